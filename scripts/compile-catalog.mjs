// Precompiles the embedded recipe catalog (recipes/) into JSON documents (dist/catalog-index.json, catalog-values.json,
// catalog-manifests.json with the text of its files in catalog-manifests.txt) so the CLI never parses
// YAML for the embedded data at run time. Every file keeps its path relative to recipes/.
// YAML documents are stored parsed ("doc"); templates (files containing "{{") and non-YAML files are
// stored as text ("text"), because they are rendered, not parsed.
import { readdirSync, readFileSync, writeFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { CATALOG_PARTS, catalogPart } from '../src/catalog/parts.mjs';

// String fields written as unquoted numbers keep their source text (`value: 22.10` is "22.10"), as
// the CLI's document reader does for --data catalogs (src/model/schema.ts TEXT_FIELDS).
const TEXT_KEYS = new Set(['value', 'version', 'defaultVersion']);

function parseCatalogYaml(text) {
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true });
  if (doc.errors.length) throw doc.errors[0];
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !TEXT_KEYS.has(String(pair.key.value))) return;
      const v = pair.value;
      if (
        isScalar(v) &&
        typeof v.value === 'number' &&
        typeof v.source === 'string' &&
        String(v.value) !== v.source
      ) {
        v.value = v.source;
      }
    },
  });
  return doc.toJS();
}

function walk(dir, rel = '') {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(abs);
    if (st.isDirectory()) out.push(...walk(abs, r));
    else if (st.isFile()) out.push([r, abs]);
  }
  return out;
}

/** Which precompiled file holds `rel`: the rule of src/catalog/parts.mjs (the runtime uses it too). */
export { catalogPart };

export function compileCatalog(recipesDir, outDir) {
  const files = {};
  for (const [rel, abs] of walk(recipesDir)) {
    const text = readFileSync(abs, 'utf8');
    const isYaml = rel.endsWith('.yaml') || rel.endsWith('.yml');
    // Manifests are rendered as templates: always kept as text. Multi-document YAML likewise.
    const isManifest = rel.includes('/manifests/');
    if (isYaml && !isManifest && !text.includes('{{') && !/^---\s*$/m.test(text.replace(/^---\s*\n/, ''))) {
      try {
        files[rel] = { doc: parseCatalogYaml(text) ?? null };
      } catch (err) {
        throw new Error(`recipes/${rel}: invalid YAML: ${err.message}`);
      }
    } else {
      files[rel] = { text };
    }
  }
  // Split by what commands read: the index (registry, overlays) is all `aicr recipe` needs; values
  // files are added by `query` and `bundle`; manifests and health checks only by `bundle`.
  const parts = Object.fromEntries(CATALOG_PARTS.map((p) => [p, {}]));
  for (const [rel, entry] of Object.entries(files)) parts[catalogPart(rel)][rel] = entry;
  // The manifests part is big (templates, checks) and `bundle` reads a few of its files: their text
  // goes to catalog-manifests.txt, the JSON holds each one's byte range (`at`), so a bundle reads only
  // what it renders instead of parsing the whole part.
  const texts = [];
  let offset = 0;
  for (const [rel, entry] of Object.entries(parts.manifests)) {
    if (entry.text === undefined) continue;
    const bytes = Buffer.from(entry.text, 'utf8');
    parts.manifests[rel] = { at: [offset, bytes.length] };
    texts.push(bytes);
    offset += bytes.length;
  }
  writeFileSync(path.join(outDir, 'catalog-manifests.txt'), Buffer.concat(texts));
  for (const [name, part] of Object.entries(parts)) {
    writeFileSync(path.join(outDir, `catalog-${name}.json`), JSON.stringify({ files: part }));
  }
  return { files: Object.keys(files).length };
}

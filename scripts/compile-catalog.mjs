// Precompiles the embedded recipe catalog (recipes/) into JSON documents (dist/catalog-index.json, dist/catalog-components.json) so the CLI never parses
// YAML for the embedded data at run time. Every file keeps its path relative to recipes/.
// YAML documents are stored parsed ("doc"); templates (files containing "{{") and non-YAML files are
// stored as text ("text"), because they are rendered, not parsed.
import { readdirSync, readFileSync, writeFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

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

export function compileCatalog(recipesDir, outDir) {
  const files = {};
  for (const [rel, abs] of walk(recipesDir)) {
    const text = readFileSync(abs, 'utf8');
    const isYaml = rel.endsWith('.yaml') || rel.endsWith('.yml');
    // Manifests are rendered as templates: always kept as text. Multi-document YAML likewise.
    const isManifest = rel.includes('/manifests/');
    if (isYaml && !isManifest && !text.includes('{{') && !/^---\s*$/m.test(text.replace(/^---\s*\n/, ''))) {
      try {
        files[rel] = { doc: parse(text, { version: '1.2' }) ?? null };
      } catch (err) {
        throw new Error(`recipes/${rel}: invalid YAML: ${err.message}`);
      }
    } else {
      files[rel] = { text };
    }
  }
  // Split: the index (registry, overlays) is all `aicr recipe` needs; component files (values,
  // manifests) and health checks are loaded only by commands that read them (query, bundle).
  const index = {};
  const components = {};
  for (const [rel, entry] of Object.entries(files)) {
    if (rel.startsWith('components/') || rel.startsWith('checks/')) components[rel] = entry;
    else index[rel] = entry;
  }
  writeFileSync(path.join(outDir, 'catalog-index.json'), JSON.stringify({ files: index }));
  writeFileSync(path.join(outDir, 'catalog-components.json'), JSON.stringify({ files: components }));
  return { files: Object.keys(files).length };
}

// Precompiles the embedded recipe catalog (recipes/) into one JSON document so the CLI never parses
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

export function compileCatalog(recipesDir, outFile) {
  const files = {};
  for (const [rel, abs] of walk(recipesDir)) {
    const text = readFileSync(abs, 'utf8');
    const isYaml = rel.endsWith('.yaml') || rel.endsWith('.yml');
    if (isYaml && !text.includes('{{')) {
      try {
        files[rel] = { doc: parse(text, { version: '1.2' }) ?? null };
      } catch (err) {
        throw new Error(`recipes/${rel}: invalid YAML: ${err.message}`);
      }
    } else {
      files[rel] = { text };
    }
  }
  writeFileSync(outFile, JSON.stringify({ files }));
  return { files: Object.keys(files).length };
}

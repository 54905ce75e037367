// Parses made ahead of time (the build's dist/bundle-templates.json) are the parses the engine makes:
// a template compiled from one renders exactly as one compiled from its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  compileTemplate,
  deserializeParse,
  parseForCache,
  serializeParse,
} from '../../src/template/index.js';
import { repoRoot } from '../helpers/paths.js';

test('a parse survives serialization: big integers, floats, else branches, defines', () => {
  const text =
    '{{define "x"}}[{{.}}]{{end}}{{if .a}}{{9007199254740993}} {{1.5e3}}{{else if .b}}b{{else}}{{template "x" 3.5}}{{end}}';
  const parsed = parseForCache(text);
  const again = deserializeParse(serializeParse(parsed));
  assert.deepEqual(again, parsed);
  for (const data of [{ a: true }, { b: true }, {}]) {
    assert.equal(
      compileTemplate(text, { parsed: again }).render(data),
      compileTemplate(text).render(data),
      JSON.stringify(data),
    );
  }
  assert.equal(compileTemplate(text, { parsed: again }).render({ a: true }), '9007199254740993 1500');
});

test('the build wrote the parses of the bundle templates as the engine makes them', (t) => {
  const file = path.join(repoRoot, 'dist', 'bundle-templates.json');
  if (!existsSync(file)) return t.skip('dist/bundle-templates.json not built (npm run build)');
  const built = JSON.parse(readFileSync(file, 'utf8')) as {
    texts: Record<string, string>;
    parses: Record<string, string>;
  };
  const names = Object.keys(built.parses);
  assert.ok(names.includes('deploy.sh') && names.includes('README.md'), names.join(', '));
  const dir = path.join(repoRoot, 'src', 'bundle', 'templates');
  for (const [file, text] of Object.entries(built.texts)) {
    assert.equal(
      text,
      readFileSync(path.join(dir, `${file}.tmpl`), 'utf8'),
      `${file}: text as in the source`,
    );
  }
  for (const name of names) {
    const shared = name.endsWith('.sh') ? 'shared.sh' : 'shared.md';
    const text = built.texts[shared]! + built.texts[name]!;
    // The parse only checks that called functions exist: stand-ins of the bundle's own functions do.
    const funcs = Object.fromEntries(
      ['shq', 'words', 'scriptPath', 'md', 'cell'].map((f) => [f, (x: unknown) => x]),
    );
    // (compared as JSON: a fresh parse has optional fields set to undefined, which JSON leaves out)
    assert.equal(
      serializeParse(deserializeParse(built.parses[name]!)),
      serializeParse(parseForCache(text, { name: `${name}.tmpl`, funcs })),
      name,
    );
  }
});

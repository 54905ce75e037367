/** The embedded catalog's compiler keeps scalar text in string fields and refuses duplicate keys. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

type Compile = (recipesDir: string, outDir: string) => { files: number };
let compileCatalog: Compile;
let dir: string;

before(async () => {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'compile-catalog.mjs')).href)) as {
    compileCatalog: Compile;
  };
  compileCatalog = mod.compileCatalog;
  dir = await mkdtemp(path.join(tmpdir(), 'aicr-compile-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compile-catalog', () => {
  it('unquoted numbers in value/version/defaultVersion keep their text; other numbers stay numbers', async () => {
    const src = path.join(dir, 'ok');
    await mkdir(path.join(src, 'overlays'), { recursive: true });
    await writeFile(
      path.join(src, 'overlays', 'o.yaml'),
      'spec:\n  constraints:\n    - name: OS.release.VERSION_ID\n      value: 22.10\n  componentRefs:\n    - name: c\n      version: 1.10\n      overrides: {ratio: 1.50}\n',
    );
    compileCatalog(src, dir);
    const doc = JSON.parse(await readFile(path.join(dir, 'catalog-index.json'), 'utf8')).files[
      'overlays/o.yaml'
    ].doc;
    assert.equal(doc.spec.constraints[0].value, '22.10');
    assert.equal(doc.spec.componentRefs[0].version, '1.10');
    assert.equal(doc.spec.componentRefs[0].overrides.ratio, 1.5);
  });

  it('a duplicate key fails the build naming the file', async () => {
    const src = path.join(dir, 'dup');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'registry.yaml'), 'components: []\ncomponents: []\n');
    assert.throws(() => compileCatalog(src, dir), /recipes\/registry\.yaml: invalid YAML: .*unique/);
  });
});

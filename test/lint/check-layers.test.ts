/**
 * scripts/check-layers.mjs (run by `npm run lint`): the repository passes, and planted violations and
 * cycles in a scratch tree fail it with one clear line each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

const script = path.join(repoRoot, 'scripts', 'check-layers.mjs');

function check(root?: string): { status: number | null; stderr: string } {
  const args = root ? [script, '--root', root] : [script];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** A scratch repository whose src/ holds `files` (path → content). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'aicr-layers-'));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}
const roots: string[] = [];

describe('check-layers', () => {
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('passes on this repository', () => {
    const r = check();
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('passes on a tree that follows the rule (downward, same-folder, type-only and dynamic imports)', () => {
    const r = check(
      tree({
        'src/util/a.ts': "import { x } from '../errors/index.js';\nexport const a = x;\n",
        'src/errors/index.ts': 'export const x = 1;\n',
        'src/io/r.ts':
          "import type { a } from '../util/a.js';\nimport { s } from './s.js';\nexport type R = typeof a | typeof s;\n",
        'src/io/s.ts': 'export const s = 2;\n',
        'src/commands/c.ts': "export const c = () => import('../io/r.js');\n",
        'src/cli/main.ts': "export const m = () => import('../k8s/k.js');\n",
        'src/k8s/k.ts':
          '// import { nope } from "../cli/main.js" in a comment does not count\nexport const k = 1;\n',
      }),
    );
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('fails on an upward import, naming both files and the folders', () => {
    const r = check(
      tree({
        'src/io/configmap.ts': "export const f = () => import('../k8s/configmap.js');\n",
        'src/k8s/configmap.ts': 'export const k = 1;\n',
      }),
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^layer violation: src\/io\/configmap\.ts imports src\/k8s\/configmap\.ts: src\/k8s\/ is above src\/io\/ in the layer rule$/m,
    );
    assert.match(
      r.stderr,
      /check-layers: 1 problem\(s\); the layer rule \(README\.md "Layout"\): errors, version ← util/,
    );
  });

  it('fails on an import between peers and on cli/ reaching past commands/', () => {
    const r = check(
      tree({
        'src/recipe/a.ts': "export { b } from '../snapshot/b.js';\n",
        'src/snapshot/b.ts': 'export const b = 1;\n',
        'src/cli/flags.ts': "import { b } from '../snapshot/b.js';\nexport const f = b;\n",
      }),
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /src\/recipe\/a\.ts imports src\/snapshot\/b\.ts: src\/snapshot\/ is a peer of src\/recipe\//,
    );
    assert.match(
      r.stderr,
      /src\/cli\/flags\.ts imports src\/snapshot\/b\.ts: src\/cli\/ may not import src\/snapshot\//,
    );
  });

  it('fails on an import cycle inside one folder, type-only imports included', () => {
    const r = check(
      tree({
        'src/model/a.ts': "import type { B } from './b.js';\nexport type A = B[];\n",
        'src/model/b.ts': "import {\n  c,\n} from './c.js';\nexport type B = typeof c;\n",
        'src/model/c.ts': "import type { A } from './a.js';\nexport const c: A = [];\n",
      }),
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^import cycle: src\/model\/a\.ts ↔ src\/model\/b\.ts ↔ src\/model\/c\.ts$/m);
  });

  it('fails on a folder that has no place in the rule', () => {
    const r = check(
      tree({
        'src/extras/x.ts': "import { e } from '../errors/index.js';\nexport const x = e;\n",
        'src/errors/index.ts': 'export const e = 1;\n',
      }),
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/extras\/x\.ts: folder src\/extras\/ has no place in the layer rule/);
  });
});

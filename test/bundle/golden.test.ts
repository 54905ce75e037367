/**
 * Golden files: one small recipe (test/fixtures/bundle/recipe.yaml) over a small catalog with a Helm
 * chart from an HTTP repository, an OCI chart with manifests, a manifest-only and a Kustomize
 * component, bundled by each deployer and compared byte for byte with
 * test/fixtures/bundle/golden/<deployer>/. Regenerate with `UPDATE_GOLDEN=1 node scripts/run-tests.mjs golden`
 * and review the diff.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BundleResult } from '../../src/bundle/generate.js';
import { cleanup, FIXTURES, goldenBundle, has, readTree, run, tempDir } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

for (const deployer of ['helm', 'argocd'] as const) {
  describe(`golden bundle: ${deployer}`, () => {
    let dir: string;
    let result: BundleResult;
    before(async () => {
      dir = tempDir();
      result = await goldenBundle(path.join(dir, 'out'), deployer);
    });
    after(() => cleanup(dir));

    it('matches the golden files', () => {
      const golden = path.join(FIXTURES, 'golden', deployer);
      const out = path.join(dir, 'out');
      if (UPDATE) {
        rmSync(golden, { recursive: true, force: true });
        cpSync(out, golden, { recursive: true });
        console.log(`updated ${golden}`);
      }
      const want = readTree(golden);
      const got = readTree(out);
      assert.deepEqual([...got.keys()], [...want.keys()], 'file list differs (UPDATE_GOLDEN=1 regenerates)');
      for (const [f, c] of want) {
        assert.equal(got.get(f)!.toString(), c.toString(), `${f} differs from golden/${deployer}/${f}`);
      }
    });

    it('reports the validation warning of the manifest-only component', () => {
      assert.ok(
        result.notes.some((n) =>
          /demo-tuning is enabled but --workload-selector is not set\. Tuning may/.test(n),
        ),
      );
    });

    it('passes sha256sum -c', { skip: has('sha256sum') ? false : 'sha256sum not installed' }, () => {
      const r = run('sha256sum', ['-c', 'checksums.txt'], { cwd: path.join(dir, 'out') });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });
  });
}

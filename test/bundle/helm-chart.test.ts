/**
 * The generated values against a real Helm: `helm lint` and `helm template` of a local test chart
 * (test/fixtures/bundle/chart/scheduling-probe) with the bundle's values.yaml files. Skipped, with
 * the reason printed, when no `helm` binary is on PATH.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateBundle } from '../../src/bundle/generate.js';
import { parseScheduling } from '../../src/bundle/options.js';
import {
  catalogRecipe,
  cleanup,
  EKS_TRAINING,
  FIXTURES,
  goldenBundle,
  has,
  run,
  tempDir,
} from './helpers.js';

const helmMissing = has('helm')
  ? false
  : 'helm is not on PATH (install it, e.g. go install helm.sh/helm/v3/cmd/helm@v3.16.4)';
if (helmMissing) console.log(`# skipping helm lint/template tests: ${helmMissing}`);

const CHART = path.join(FIXTURES, 'chart', 'scheduling-probe');

function template(values: string) {
  const r = run('helm', ['template', 'probe', CHART, '-f', values]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout);
  return (Array.isArray(docs) ? docs : []).map((d) => d.toJS() as any);
}

describe('helm lint / helm template with generated values', { skip: helmMissing }, () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => cleanup(dir));

  it('accepts the golden demo-operator values and places the pods', async () => {
    const out = path.join(dir, 'golden');
    await goldenBundle(out, 'helm');
    const values = path.join(out, 'demo-operator', 'values.yaml');
    const lint = run('helm', ['lint', CHART, '-f', values]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const docs = template(values);
    const dep = docs.find((d) => d.kind === 'Deployment');
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    assert.deepEqual(dep.spec.template.spec.nodeSelector, { nodeGroup: 'system-pool' });
    assert.deepEqual(dep.spec.template.spec.tolerations, [
      { effect: 'NoSchedule', key: 'dedicated', operator: 'Equal', value: 'system' },
    ]);
    assert.deepEqual(ds.spec.template.spec.nodeSelector, { nodeGroup: 'gpu-worker' });
  });

  it('accepts the GPU Operator values of a catalog bundle', async () => {
    const { recipe, store } = await catalogRecipe(EKS_TRAINING);
    const out = path.join(dir, 'catalog');
    await generateBundle({
      recipe,
      source: store.source,
      registry: store.registry(),
      outputDir: out,
      scheduling: parseScheduling({
        systemNodeSelector: ['nodeGroup=system-pool'],
        acceleratedNodeSelector: ['nodeGroup=gpu-worker'],
        acceleratedNodeToleration: ['nvidia.com/gpu=present:NoSchedule'],
      }),
      toolVersion: 'test',
    });
    const values = path.join(out, 'gpu-operator', 'values.yaml');
    const lint = run('helm', ['lint', CHART, '-f', values]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const ds = template(values).find((d) => d.kind === 'DaemonSet');
    assert.deepEqual(ds.spec.template.spec.nodeSelector, { nodeGroup: 'gpu-worker' });
    assert.deepEqual(ds.spec.template.spec.tolerations, [
      { effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' },
    ]);
  });
});

/**
 * `cm://namespace/name` for both inputs and the output, through the pluggable ConfigMap store
 * (an in-memory store stands in for the cluster; everything else is the real code path).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import {
  setConfigMapStoreFactory,
  type ConfigMapStore,
  type ConfigMapWriteRequest,
} from '../../src/io/configmap.js';
import type { ConfigMapRef } from '../../src/io/uri.js';
import { runValidate } from '../../src/commands/validate.js';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { Logger, setLogger } from '../../src/logging/logger.js';
import { embeddedOverlaysDir, fixturesDir } from '../helpers/paths.js';

class MemoryStore implements ConfigMapStore {
  readonly maps = new Map<string, ConfigMapWriteRequest>();
  async read(ref: ConfigMapRef): Promise<Record<string, string>> {
    const m = this.maps.get(`${ref.namespace}/${ref.name}`);
    if (!m) throw new AicrError('NOT_FOUND', `ConfigMap ${ref.namespace}/${ref.name} not found`);
    return m.data;
  }
  async write(ref: ConfigMapRef, req: ConfigMapWriteRequest): Promise<void> {
    this.maps.set(`${ref.namespace}/${ref.name}`, req);
  }
}

const store = new MemoryStore();
const logs: string[] = [];

before(async () => {
  setConfigMapStoreFactory(async () => store);
  setLogger(new Logger({ mode: 'cli', level: 'info', version: 'test', write: (l) => logs.push(l) }));
  // Upstream's layout: the snapshot agent writes `snapshot.yaml`; a recipe stored the same way.
  const snapshot = await readFile(path.join(fixturesDir, 'mock-snapshot.yaml'), 'utf8');
  store.maps.set('gpu-operator/aicr-snapshot', {
    data: { 'snapshot.yaml': snapshot, format: 'yaml' },
    labels: {},
  });
  const overlay = parse(
    await readFile(path.join(embeddedOverlaysDir, 'h100-eks-ubuntu-training.yaml'), 'utf8'),
  ) as { spec: { constraints: unknown; validation: unknown } };
  const recipe = JSON.stringify({
    kind: 'RecipeResult',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    constraints: overlay.spec.constraints,
    validation: overlay.spec.validation,
  });
  store.maps.set('ci/aicr-recipe', { data: { 'recipe.json': recipe, format: 'json' }, labels: {} });
});

after(() =>
  setConfigMapStoreFactory(async () =>
    (await import('../../src/k8s/configmap.js')).kubernetesConfigMapStore(),
  ),
);

describe('aicr validate with cm:// locations', () => {
  it('reads recipe and snapshot from ConfigMaps and writes the result to one', async () => {
    const doc = await runValidate({
      recipe: 'cm://ci/aicr-recipe',
      snapshot: 'cm://gpu-operator / aicr-snapshot ',
      phases: ['readiness', 'deployment'],
      format: 'yaml',
      output: 'cm://ci/aicr-validation',
      failOnError: true,
    });
    assert.equal(doc.status, 'partial');
    assert.deepEqual(doc.summary, { passed: 4, failed: 0, skipped: 1, errors: 0, total: 5 });
    const written = store.maps.get('ci/aicr-validation');
    assert.ok(written, 'result ConfigMap written');
    assert.equal(written.data.format, 'yaml');
    assert.deepEqual(parse(written.data['validation.yaml']!), JSON.parse(JSON.stringify(doc)));
    assert.equal(written.labels['app.kubernetes.io/component'], 'validation');
    assert.ok(
      logs.some((l) => l.includes('validation completed') && l.includes('output=cm://ci/aicr-validation')),
    );
  });

  it('a missing ConfigMap is not found (exit 3), a bad URI invalid (exit 2)', async () => {
    const req = {
      snapshot: 'cm://gpu-operator/aicr-snapshot',
      phases: ['readiness'] as const,
      format: 'json' as const,
      failOnError: true,
    };
    await assert.rejects(
      runValidate({ ...req, recipe: 'cm://ci/nothing-here' }),
      (err: unknown) => exitCodeFor(err) === 3,
    );
    await assert.rejects(
      runValidate({ ...req, recipe: 'cm://ci' }),
      (err: unknown) => exitCodeFor(err) === 2 && /expected cm:\/\/namespace\/name/.test(String(err)),
    );
  });
});

// Recipe builds against the embedded catalog: the documented worked examples, inheritance errors,
// snapshot-criteria extraction and hydration/selectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/recipe/store.js';
import { buildRecipe } from '../../src/recipe/builder.js';
import { anyCriteria } from '../../src/model/criteria.js';
import { criteriaFromSnapshot } from '../../src/recipe/from-snapshot.js';
import { hydrateRecipe, selectPath } from '../../src/recipe/query.js';
import { checkOverlayConstraint } from '../../src/constraint/evaluate.js';
import { exitCodeFor, formatError } from '../../src/errors/index.js';
import type { Criteria } from '../../src/model/recipe.js';
import type { Snapshot } from '../../src/model/snapshot.js';

const crit = (c: Partial<Criteria>): Criteria => ({ ...anyCriteria(), ...c });

test('eks + h100 + ubuntu + training + kubeflow: chain, components, order, constraints', async () => {
  const store = await openStore();
  const r = buildRecipe(
    store,
    crit({ service: 'eks', accelerator: 'h100', os: 'ubuntu', intent: 'training', platform: 'kubeflow' }),
  );
  assert.deepEqual(r.metadata.appliedOverlays, [
    'base',
    'monitoring-hpa',
    'eks',
    'eks-training',
    'h100-eks-training',
    'h100-eks-ubuntu-training',
    'h100-eks-ubuntu-training-kubeflow',
  ]);
  assert.equal(r.componentRefs?.length, 13);
  const gpu = r.componentRefs?.find((c) => c.name === 'gpu-operator');
  assert.equal(gpu?.valuesFile, 'components/gpu-operator/values-eks-training.yaml');
  assert.equal(gpu?.namespace, 'gpu-operator', 'registry default namespace');
  assert.equal(gpu?.chart, 'gpu-operator', 'registry default chart (text after the last /)');
  assert.deepEqual(r.deploymentOrder, [
    'aws-ebs-csi-driver',
    'aws-efa',
    'cert-manager',
    'kube-prometheus-stack',
    'k8s-ephemeral-storage-metrics',
    // Upstream lists prometheus-adapter before skyhook-operator: ties break alphabetically, and
    // the Nodewright names sort before prometheus-adapter.
    'nodewright-operator',
    'nodewright-customizations',
    'gpu-operator',
    'kai-scheduler',
    'kubeflow-trainer',
    'nvidia-dra-driver-gpu',
    'nvsentinel',
    'prometheus-adapter',
  ]);
  assert.deepEqual(
    r.constraints?.map((c) => `${c.name} ${c.value}`),
    [
      'K8s.server.version >= 1.32.4',
      'OS.release.ID ubuntu',
      'OS.release.VERSION_ID 24.04',
      'OS.sysctl./proc/sys/kernel/osrelease >= 6.8',
    ],
  );
  // componentRefs are sorted by name and carry type/source always.
  const names = r.componentRefs!.map((c) => c.name);
  assert.deepEqual(names, [...names].sort());
  for (const c of r.componentRefs!) assert.ok('type' in c && 'source' in c);
});

test('service only, nothing, aks leaf and gke without os: the documented chains', async () => {
  const store = await openStore();
  const eks = buildRecipe(store, crit({ service: 'eks' }));
  assert.deepEqual(eks.metadata.appliedOverlays, ['base', 'monitoring-hpa', 'eks']);
  assert.equal(eks.componentRefs?.length, 11);
  assert.deepEqual(eks.constraints, [{ name: 'K8s.server.version', value: '>= 1.28' }]);
  const none = buildRecipe(store, anyCriteria());
  assert.deepEqual(none.metadata.appliedOverlays, ['base', 'monitoring-hpa']);
  assert.deepEqual(none.deploymentOrder, [
    'cert-manager',
    'kube-prometheus-stack',
    'gpu-operator',
    'k8s-ephemeral-storage-metrics',
    'kai-scheduler',
    'nodewright-operator',
    'nvidia-dra-driver-gpu',
    'nvsentinel',
    'prometheus-adapter',
  ]);
  const aks = buildRecipe(
    store,
    crit({ service: 'aks', accelerator: 'h100', os: 'ubuntu', intent: 'training' }),
  );
  assert.deepEqual(aks.metadata.appliedOverlays, [
    'base',
    'monitoring-hpa',
    'aks',
    'aks-training',
    'h100-aks-training',
    'h100-aks-ubuntu-training',
  ]);
  const gke = buildRecipe(store, crit({ service: 'gke', intent: 'training' }));
  assert.deepEqual(gke.metadata.appliedOverlays, ['base', 'monitoring-hpa'], 'GKE overlays require os: cos');
});

test('the same criteria always give the same document', async () => {
  const store = await openStore();
  const c = crit({ service: 'eks', accelerator: 'gb200', os: 'ubuntu', intent: 'training' });
  assert.equal(JSON.stringify(buildRecipe(store, c)), JSON.stringify(buildRecipe(store, c)));
});

function catalogDir(overlays: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-catalog-'));
  mkdirSync(path.join(dir, 'overlays'));
  writeFileSync(path.join(dir, 'registry.yaml'), 'kind: ComponentRegistry\ncomponents: []\n');
  writeFileSync(
    path.join(dir, 'overlays', 'base.yaml'),
    'kind: RecipeMetadata\nmetadata: {name: base}\nspec:\n  componentRefs:\n    - name: cert-manager\n',
  );
  for (const [name, text] of Object.entries(overlays))
    writeFileSync(path.join(dir, 'overlays', `${name}.yaml`), text);
  return dir;
}

test('a missing parent overlay is an inheritance error naming the parent', async () => {
  const dir = catalogDir({
    child:
      'kind: RecipeMetadata\nmetadata: {name: child}\nspec:\n  base: ghost\n  criteria: {service: eks}\n',
  });
  const store = await openStore({ standaloneDir: dir });
  assert.throws(
    () => buildRecipe(store, crit({ service: 'eks' })),
    (err: unknown) => {
      assert.match(
        formatError(err),
        /^\[NOT_FOUND\] failed to resolve inheritance chain: recipe "ghost" not found \(referenced in inheritance chain\)/,
      );
      return true;
    },
  );
});

test('an inheritance cycle is invalid input', async () => {
  const dir = catalogDir({
    a: 'kind: RecipeMetadata\nmetadata: {name: a}\nspec:\n  base: b\n  criteria: {service: eks}\n',
    b: 'kind: RecipeMetadata\nmetadata: {name: b}\nspec:\n  base: a\n',
  });
  const store = await openStore({ standaloneDir: dir });
  assert.throws(
    () => buildRecipe(store, crit({ service: 'eks' })),
    (err: unknown) => {
      assert.equal(exitCodeFor(err), 2);
      assert.match(formatError(err), /circular inheritance detected: recipe "a" references itself/);
      return true;
    },
  );
});

test('an overlay with a wrongly typed field is rejected naming the file and field', async () => {
  const dir = catalogDir({
    bad: 'kind: RecipeMetadata\nmetadata: {name: bad}\nspec:\n  componentRefs:\n    - name: 12\n',
  });
  await assert.rejects(
    openStore({ standaloneDir: dir }),
    /overlay overlays\/bad.yaml: spec.componentRefs\[0\].name: expected string, got number/,
  );
});

const snapshot = (data: {
  version?: string;
  model?: string;
  id?: string;
  versionId?: string;
  kernel?: string;
}): Snapshot => ({
  measurements: [
    { type: 'K8s', subtypes: [{ subtype: 'server', data: { version: data.version ?? '' } }] },
    { type: 'GPU', subtypes: [{ subtype: 'smi', data: { 'gpu.model': data.model ?? '' } }] },
    {
      type: 'OS',
      subtypes: [
        { subtype: 'release', data: { ID: data.id ?? '', VERSION_ID: data.versionId ?? '' } },
        { subtype: 'sysctl', data: { '/proc/sys/kernel/osrelease': data.kernel ?? '' } },
      ],
    },
  ],
});

test('criteria from a snapshot: service from the version marker, accelerator from the model, OS from ID', () => {
  assert.deepEqual(
    criteriaFromSnapshot(
      snapshot({ version: 'v1.28.2-eks-a0123b4', model: 'NVIDIA H100 80GB HBM3', id: 'ubuntu' }),
    ),
    {
      ...anyCriteria(),
      service: 'eks',
      accelerator: 'h100',
      os: 'ubuntu',
    },
  );
  assert.equal(criteriaFromSnapshot(snapshot({ version: 'v1.28.3-gke.1234' })).service, 'gke');
  assert.equal(criteriaFromSnapshot(snapshot({ model: 'NVIDIA L40S' })).accelerator, 'l40');
  assert.equal(criteriaFromSnapshot(snapshot({ model: 'NVIDIA GB200' })).accelerator, 'gb200');
  assert.equal(criteriaFromSnapshot(snapshot({ model: 'NVIDIA T4' })).accelerator, 'any');
  assert.equal(
    criteriaFromSnapshot(snapshot({ id: 'amzn' })).os,
    'amazonlinux',
    'Amazon Linux os-release ID',
  );
  assert.equal(criteriaFromSnapshot(snapshot({ id: 'windows' })).os, 'any');
  const aks: Snapshot = {
    measurements: [
      {
        type: 'K8s',
        subtypes: [
          { subtype: 'server', data: { version: 'v1.31.2' } },
          { subtype: 'node', data: { provider: 'aks' } },
        ],
      },
    ],
  };
  assert.equal(
    criteriaFromSnapshot(aks).service,
    'aks',
    'provider is the fallback when the version has no marker',
  );
  const marked = structuredClone(aks);
  marked.measurements[0].subtypes![0].data.version = 'v1.31.2-eks-1';
  assert.equal(criteriaFromSnapshot(marked).service, 'eks', 'the version marker wins over the provider');
  const selfManaged = structuredClone(aks);
  selfManaged.measurements[0].subtypes![1].data.provider = 'eks';
  assert.equal(
    criteriaFromSnapshot(selfManaged).service,
    'any',
    'an AWS node without the EKS marker is self-managed',
  );
  assert.deepEqual(criteriaFromSnapshot(undefined), anyCriteria());
});

test('snapshot mode excludes an overlay whose constraint fails and reports the warning', async () => {
  const store = await openStore();
  const snap = snapshot({
    version: 'v1.33.5-eks-3025e55',
    model: 'NVIDIA H100 80GB HBM3',
    id: 'ubuntu',
    versionId: '22.04',
    kernel: '6.8.0-1028-aws',
  });
  const r = buildRecipe(
    store,
    { ...criteriaFromSnapshot(snap), intent: 'training' },
    { snapshot: snap, evaluate: checkOverlayConstraint },
  );
  assert.deepEqual(r.metadata.appliedOverlays, [
    'base',
    'monitoring-hpa',
    'eks',
    'eks-training',
    'h100-eks-training',
  ]);
  assert.deepEqual(r.metadata.excludedOverlays, ['h100-eks-ubuntu-training']);
  assert.deepEqual(r.metadata.constraintWarnings, [
    {
      overlay: 'h100-eks-ubuntu-training',
      constraint: 'OS.release.VERSION_ID',
      expected: '24.04',
      actual: '22.04',
      reason: 'expected 24.04, got 22.04',
    },
  ]);
});

test('hydration inlines merged values; selectors walk maps and report available keys', async () => {
  const store = await openStore();
  const r = buildRecipe(store, crit({ service: 'eks', accelerator: 'h100', intent: 'training' }));
  const h = hydrateRecipe(r, store.source);
  assert.equal(selectPath(h, 'components.gpu-operator.values.driver.version'), '580.105.08');
  assert.equal(selectPath(h, '.criteria.service'), 'eks');
  assert.equal(selectPath(h, 'criteria.nodes'), 0);
  assert.deepEqual(selectPath(h, ''), h);
  assert.deepEqual(selectPath(h, '.'), h);
  assert.ok(Array.isArray(selectPath(h, 'deploymentOrder')));
  assert.deepEqual(selectPath(h, 'metadata.excludedOverlays'), []);
  assert.throws(
    () => selectPath(h, 'components.gpu-operator.version.sub'),
    /cannot descend into non-map value at "sub"/,
  );
  assert.throws(
    () => selectPath(h, 'nope'),
    /key "nope" not found, available keys: apiVersion, components, constraints, criteria, deploymentOrder, kind, metadata/,
  );
  // eks sets an explicit null in kube-prometheus-stack values: kept as a value, not a deletion.
  const kps = selectPath(h, 'components.kube-prometheus-stack.values') as Record<string, unknown>;
  assert.ok(kps && typeof kps === 'object');
});

// The reference catalog (../shared/reference/aicr-recipes) as test input:
//  - every reference overlay's criteria produce that overlay's inheritance chain, in order;
//  - for every reference overlay, the embedded catalog and the reference catalog give the same
//    recipe (components, versions, sources, values files, constraints, deployment order), modulo
//    the Nodewright renaming (spec decision 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { hasShared, referenceCatalogDir } from '../helpers/paths.js';
import { openStore, type RecipeStore } from '../../src/recipe/store.js';
import { buildRecipe, resolveChain } from '../../src/recipe/builder.js';
import { anyCriteria } from '../../src/model/criteria.js';
import type { Criteria, RecipeResult } from '../../src/model/recipe.js';

const skip = hasShared ? false : `reference catalog not found at ${referenceCatalogDir}`;

interface RefOverlay {
  file: string;
  name: string;
  criteria: Criteria;
}

function referenceOverlays(): RefOverlay[] {
  const dir = path.join(referenceCatalogDir, 'overlays');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'base.yaml')
    .sort()
    .map((f) => {
      const doc = parse(readFileSync(path.join(dir, f), 'utf8'));
      return {
        file: f,
        name: doc.metadata.name,
        criteria: { ...anyCriteria(), ...(doc.spec.criteria ?? {}) },
      };
    });
}

/**
 * The reference catalog's Skyhook component folders and namespace mapped to Nodewright (component
 * names are already read as Nodewright by the store), and the Nodewright operator chart pin of
 * issue 10 (chart `nodewright` v0.19.0 from oci://ghcr.io/nvidia/nodewright/charts).
 */
function renamed(r: RecipeResult): unknown {
  const text = JSON.stringify(r)
    .replace(/components\/skyhook-/g, 'components/nodewright-')
    .replace(/"namespace":"skyhook"/g, '"namespace":"nodewright"');
  const out = JSON.parse(text) as RecipeResult;
  // Issue 10: our Nodewright operator chart is pinned to one serving the nodewright.nvidia.com kinds.
  for (const c of out.componentRefs ?? []) {
    if (c.name === 'nodewright-operator') {
      Object.assign(c, {
        source: 'oci://ghcr.io/nvidia/nodewright/charts',
        chart: 'nodewright',
        version: 'v0.19.0',
      });
    }
  }
  return out;
}

function comparable(r: RecipeResult) {
  return {
    appliedOverlays: r.metadata.appliedOverlays,
    constraints: r.constraints,
    components: r.componentRefs?.map((c) => ({
      name: c.name,
      namespace: c.namespace,
      chart: c.chart,
      type: c.type,
      source: c.source,
      version: c.version,
      valuesFile: c.valuesFile,
      dependencyRefs: c.dependencyRefs,
      manifestFiles: c.manifestFiles,
      overrides: c.overrides,
    })),
    deploymentOrder: r.deploymentOrder,
    validation: r.validation,
  };
}

test('every reference overlay has a reference chain that its own criteria select', { skip }, async () => {
  const ref: RecipeStore = await openStore({ standaloneDir: referenceCatalogDir });
  const overlays = referenceOverlays();
  assert.ok(overlays.length >= 37, `expected the full reference catalog, found ${overlays.length} overlays`);
  for (const o of overlays) {
    const chain = ['base', ...resolveChain(ref, o.name).map((x) => x.metadata.name)];
    const applied = buildRecipe(ref, o.criteria).metadata.appliedOverlays ?? [];
    const positions = chain.map((n) => applied.indexOf(n));
    assert.ok(
      positions.every((p) => p >= 0),
      `${o.file}: chain ${chain.join(' > ')} not all applied in ${applied.join(', ')}`,
    );
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      `${o.file}: chain out of order in ${applied.join(', ')}`,
    );
  }
});

test('every reference overlay: the embedded catalog selects the same chain', { skip }, async () => {
  const embedded = await openStore();
  for (const o of referenceOverlays()) {
    const applied = buildRecipe(embedded, o.criteria).metadata.appliedOverlays ?? [];
    assert.ok(
      applied.includes(o.name),
      `${o.file}: embedded catalog did not apply ${o.name} (got ${applied.join(', ')})`,
    );
  }
});

test(
  'every reference overlay: embedded and reference recipes are equivalent (modulo Nodewright)',
  { skip },
  async () => {
    const embedded = await openStore();
    const ref = await openStore({ standaloneDir: referenceCatalogDir });
    for (const o of referenceOverlays()) {
      const a = comparable(buildRecipe(embedded, o.criteria));
      const b = comparable(renamed(buildRecipe(ref, o.criteria)) as RecipeResult);
      assert.deepEqual(a, b, `recipes differ for overlay ${o.file}`);
    }
  },
);

test('the reference catalog works through --data layering', { skip }, async () => {
  const layered = await openStore({ dataDir: referenceCatalogDir });
  const r = buildRecipe(layered, {
    ...anyCriteria(),
    service: 'eks',
    accelerator: 'h100',
    os: 'ubuntu',
    intent: 'training',
    platform: 'kubeflow',
  });
  const names = r.componentRefs?.map((c) => c.name) ?? [];
  assert.ok(names.includes('nodewright-operator'), 'legacy skyhook names are read as nodewright');
  assert.ok(!names.some((n) => n.startsWith('skyhook')));
  assert.equal(r.metadata.appliedOverlays?.at(-1), 'h100-eks-ubuntu-training-kubeflow');
});

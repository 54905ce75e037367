import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { planComponents } from '../../src/bundle/components.js';
import { parseScheduling } from '../../src/bundle/options.js';
import { finalValues } from '../../src/bundle/values.js';
import { runValidations } from '../../src/bundle/validations.js';
import type { RecipeResult } from '../../src/model/recipe.js';
import { catalogRecipe, EKS_TRAINING } from './helpers.js';

function clone<T>(v: T): T {
  return structuredClone(v);
}

describe('component planning', async () => {
  const { recipe, store } = await catalogRecipe(EKS_TRAINING);
  const registry = store.registry();

  it('follows the recipe deploymentOrder and numbers the waves', () => {
    const plan = planComponents(recipe, registry);
    assert.deepEqual(
      plan.components.map((c) => c.name),
      recipe.deploymentOrder,
    );
    assert.deepEqual(
      plan.components.map((c) => c.wave),
      plan.components.map((_, i) => i),
    );
    const gpu = plan.components.find((c) => c.name === 'gpu-operator')!;
    assert.equal(gpu.kind, 'helm');
    assert.equal(gpu.namespace, 'gpu-operator');
    assert.equal(plan.components.find((c) => c.name === 'nodewright-customizations')!.kind, 'manifest');
  });

  it('appends components missing from deploymentOrder sorted by name; keeps componentRefs order without one', () => {
    const r = clone(recipe);
    r.deploymentOrder = ['gpu-operator', 'cert-manager'];
    const names = planComponents(r, registry).components.map((c) => c.name);
    assert.deepEqual(names.slice(0, 2), ['gpu-operator', 'cert-manager']);
    assert.deepEqual(names.slice(2), [...names.slice(2)].sort());
    delete r.deploymentOrder;
    assert.deepEqual(
      planComponents(r, registry).components.map((c) => c.name),
      recipe.componentRefs!.map((c) => c.name),
    );
  });

  it('drops and restores components with enabled (recipe and --set)', () => {
    const r = clone(recipe) as RecipeResult;
    const cm = r.componentRefs!.find((c) => c.name === 'cert-manager')!;
    cm.overrides = { ...(cm.overrides ?? {}), enabled: false, controller: { replicaCount: 2 } };
    let plan = planComponents(r, registry);
    assert.ok(!plan.components.some((c) => c.name === 'cert-manager'));
    assert.deepEqual(plan.disabled, ['cert-manager']);
    plan = planComponents(r, registry, ['certmanager:enabled=true']);
    const restored = plan.components.find((c) => c.name === 'cert-manager')!;
    assert.ok(restored);
    const values = finalValues(store.source, restored, {});
    assert.equal('enabled' in values, false, 'the enabled toggle never reaches values.yaml');
    assert.deepEqual(values.controller, { replicaCount: 2 });
    plan = planComponents(recipe, registry, ['gpuoperator:enabled=false', 'nvsentinel:enabled=0']);
    assert.deepEqual(plan.disabled, ['gpu-operator', 'nvsentinel']);
    assert.throws(
      () => planComponents(recipe, registry, ['gpuoperator:enabled=ture']),
      /enabled must be true or false/,
    );
  });

  it('errors (exit 2) when nothing is left', () => {
    const all = recipe.componentRefs!.map((c) => `${c.name}:enabled=false`);
    assert.throws(
      () => planComponents(recipe, registry, all),
      (e: unknown) =>
        e instanceof AicrError && exitCodeFor(e) === 2 && /no enabled components/.test(e.message),
    );
  });

  it('resolves --set keys by name, registry alias and legacy Skyhook names', () => {
    const plan = planComponents(recipe, registry, [
      'gpu-operator:a=1',
      'gpuoperator:b=2',
      'skyhook:c=3',
      'skyhook-customizations:d=4',
      'skyhookcustomizations:e=5',
    ]);
    const by = (n: string) => plan.components.find((c) => c.name === n)!.sets.map((s) => s.path);
    assert.deepEqual(by('gpu-operator'), ['a', 'b']);
    assert.deepEqual(by('nodewright-operator'), ['c']);
    assert.deepEqual(by('nodewright-customizations'), ['d', 'e']);
  });

  it('rejects a --set for a component not in the recipe, listing components and aliases', () => {
    assert.throws(
      () => planComponents(recipe, registry, ['dynamo:replicas=2']),
      (e: unknown) => {
        assert.ok(e instanceof AicrError);
        assert.equal(exitCodeFor(e), 2);
        assert.match(e.message, /"dynamo" is not a component of this recipe/);
        assert.match(e.message, /gpu-operator \(aliases: gpuoperator\)/);
        assert.match(e.message, /nodewright-operator \(aliases: [^)]*skyhook/);
        return true;
      },
    );
  });

  it('rejects unsafe component names', () => {
    const r = clone(recipe);
    r.componentRefs![0].name = '../evil';
    assert.throws(() => planComponents(r, registry), /invalid component name "..\/evil"/);
  });
});

describe('values computation', async () => {
  const { recipe, store } = await catalogRecipe(EKS_TRAINING);
  const registry = store.registry();
  const scheduling = parseScheduling({
    systemNodeSelector: ['nodeGroup=system-pool'],
    systemNodeToleration: ['dedicated=system:NoSchedule'],
    acceleratedNodeSelector: ['nodeGroup=gpu-worker'],
    acceleratedNodeToleration: ['nvidia.com/gpu=present:NoSchedule'],
    workloadSelector: ['app=training'],
    workloadGate: 'nodewright.nvidia.com/runtime-required=true:NoSchedule',
    nodes: 8,
  });
  const valuesOf = (name: string, sets: string[] = [], s = scheduling) => {
    const c = planComponents(recipe, registry, sets).components.find((x) => x.name === name)!;
    return finalValues(store.source, c, s) as Record<string, any>;
  };

  it('writes selectors and tolerations at the registry paths of the GPU Operator', () => {
    const v = valuesOf('gpu-operator');
    const sys = { nodeGroup: 'system-pool' };
    const sysTol = [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }];
    const accTol = [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }];
    assert.deepEqual(v.operator.nodeSelector, sys);
    assert.deepEqual(v['node-feature-discovery'].gc.nodeSelector, sys);
    assert.deepEqual(v['node-feature-discovery'].master.nodeSelector, sys);
    assert.deepEqual(v.operator.tolerations, sysTol);
    assert.deepEqual(v.daemonsets.nodeSelector, { nodeGroup: 'gpu-worker' });
    assert.deepEqual(v.daemonsets.tolerations, accTol);
    assert.deepEqual(v['node-feature-discovery'].worker.tolerations, accTol);
    assert.equal(v['node-feature-discovery'].worker.nodeSelector, undefined, 'NFD workers run on every node');
    // Recipe-derived values survive.
    assert.equal(v.gdrcopy.enabled, true);
    assert.equal(v.cdi.enabled, true);
  });

  it('tolerates everything by default at every toleration path, with no selector', () => {
    const v = valuesOf('gpu-operator', [], {});
    assert.deepEqual(v.operator.tolerations, [{ operator: 'Exists' }]);
    assert.deepEqual(v.daemonsets.tolerations, [{ operator: 'Exists' }]);
    assert.equal(v.operator.nodeSelector, undefined);
  });

  it('writes node count as an integer, the workload gate as a string, the workload selector as a map', () => {
    const op = valuesOf('nodewright-operator');
    assert.equal(op.estimatedNodeCount, 8);
    assert.equal(
      op.controllerManager.manager.env.runtimeRequiredTaint,
      'nodewright.nvidia.com/runtime-required=true:NoSchedule',
    );
    assert.deepEqual(op.controllerManager.selectors, { nodeGroup: 'system-pool' });
    const cust = valuesOf('nodewright-customizations');
    assert.deepEqual(cust.workloadSelector, { app: 'training' });
    assert.deepEqual(cust.acceleratedNodeSelector, { nodeGroup: 'gpu-worker' });
  });

  it('applies precedence: recipe < --set < scheduling; later --set wins', () => {
    const v = valuesOf('gpu-operator', [
      'gpuoperator:driver.version=570.86.16',
      'gpu-operator:driver.version=580.82.07',
      'gpuoperator:gdrcopy.enabled=false',
      'gpuoperator:operator.nodeSelector.extra=x',
      'gpuoperator:new.deep.key=7',
    ]);
    assert.equal(v.driver.version, '580.82.07');
    assert.equal(v.gdrcopy.enabled, false);
    assert.equal(v.new.deep.key, 7);
    assert.deepEqual(v.operator.nodeSelector, { nodeGroup: 'system-pool' }, 'scheduling replaces the map');
  });

  it('fails a --set through a non-map value, naming the path', () => {
    assert.throws(
      () => valuesOf('gpu-operator', ['gpuoperator:gdrcopy.enabled.sub=1']),
      (e: unknown) =>
        e instanceof AicrError &&
        exitCodeFor(e) === 2 &&
        /gdrcopy\.enabled is a boolean, not a map/.test(e.message),
    );
  });

  it('does not modify the catalog between runs', () => {
    valuesOf('cert-manager', ['certmanager:mutated=1']);
    assert.equal(valuesOf('cert-manager').mutated, undefined);
  });
});

describe('registry validations', async () => {
  const { recipe, store } = await catalogRecipe(EKS_TRAINING);
  const plan = planComponents(recipe, store.registry());

  it('warns about missing workload and accelerated selectors for training', () => {
    const { warnings } = runValidations(plan.components, recipe.criteria, {});
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /nodewright-customizations is enabled but --workload-selector is not set\. /);
    assert.match(warnings[1], /--accelerated-node-selector is not set/);
    const none = runValidations(
      plan.components,
      recipe.criteria,
      parseScheduling({ workloadSelector: ['a=b'], acceleratedNodeSelector: ['c=d'] }),
    );
    assert.deepEqual(none.warnings, []);
  });

  it('applies conditions to the recipe criteria', () => {
    const { warnings } = runValidations(plan.components, { ...recipe.criteria, intent: 'inference' }, {});
    assert.equal(warnings.length, 1, 'only the accelerated-selector check applies to inference');
  });
});

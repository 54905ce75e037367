// Recipe engine units: criteria parsing, asymmetric matching, merge rules, dependency order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCriteriaValue, specificity, anyCriteria } from '../../src/model/criteria.js';
import { criteriaMatch, fieldMatches, nodesMatch, orderCandidates } from '../../src/recipe/matcher.js';
import { mergeComponent, mergeSpec } from '../../src/recipe/merge.js';
import { deploymentOrder, validateDependencies } from '../../src/recipe/order.js';
import { exitCodeFor, formatError } from '../../src/errors/index.js';
import type { RecipeMetadata } from '../../src/model/recipe.js';

test('criteria values are trimmed, case-insensitive and aliased', () => {
  assert.equal(parseCriteriaValue('service', ' EKS '), 'eks');
  for (const v of ['self-managed', 'self', 'vanilla', '', 'any', 'ANY'])
    assert.equal(parseCriteriaValue('service', v), 'any');
  assert.equal(parseCriteriaValue('os', 'al2'), 'amazonlinux');
  assert.equal(parseCriteriaValue('os', 'AL2023'), 'amazonlinux');
  assert.equal(parseCriteriaValue('accelerator', 'GB200'), 'gb200');
  assert.equal(parseCriteriaValue('platform', 'Kubeflow'), 'kubeflow');
});

test('an invalid criteria value names the field and lists the allowed values (exit 2)', () => {
  try {
    parseCriteriaValue('accelerator', 'invalid-gpu');
    assert.fail('expected an error');
  } catch (err) {
    assert.equal(exitCodeFor(err), 2);
    assert.match(
      formatError(err),
      /invalid accelerator type: invalid-gpu; allowed: a100, b200, gb200, h100, l40, any/,
    );
  }
  assert.throws(() => parseCriteriaValue('intent', 'serving'), /invalid intent type: serving/);
  assert.throws(() => parseCriteriaValue('os', 'windows'), /invalid os type: windows/);
  assert.throws(() => parseCriteriaValue('platform', 'ray'), /invalid platform type: ray/);
});

test('specificity counts fields that are not any, and nodes when set', () => {
  assert.equal(specificity(anyCriteria()), 0);
  assert.equal(specificity({ ...anyCriteria(), service: 'eks', nodes: 4 }), 2);
});

test('matching is asymmetric: generic queries never pull in specific overlays', () => {
  assert.equal(fieldMatches(undefined, 'eks'), true);
  assert.equal(fieldMatches('', 'any'), true);
  assert.equal(fieldMatches('any', 'eks'), true);
  assert.equal(fieldMatches('eks', 'any'), false);
  assert.equal(fieldMatches('eks', 'eks'), true);
  assert.equal(fieldMatches('eks', 'gke'), false);
  assert.equal(fieldMatches('EKS', 'eks'), false, 'overlay values are taken verbatim');
  assert.equal(nodesMatch(0, 8), true);
  assert.equal(nodesMatch(8, 0), false);
  assert.equal(nodesMatch(8, 4), false);
  assert.equal(nodesMatch(8, 8), true);
  const q = { ...anyCriteria(), service: 'eks', intent: 'training' };
  assert.equal(criteriaMatch({ service: 'eks' }, q), true);
  assert.equal(criteriaMatch({ service: 'eks', accelerator: 'gb200' }, q), false);
  assert.equal(criteriaMatch(undefined, q), false, 'an overlay without criteria never matches');
});

test('candidates are ordered: explicit any first, then by specificity, then by name', () => {
  const o = (name: string, criteria: Record<string, string>): RecipeMetadata => ({
    metadata: { name },
    spec: { criteria },
  });
  const order = orderCandidates([
    o('h100-eks-training', { service: 'eks', accelerator: 'h100', intent: 'training' }),
    o('eks', { service: 'eks' }),
    o('monitoring-hpa', { intent: 'any' }),
    o('eks-training', { service: 'eks', intent: 'training' }),
    o('aaa', { service: 'eks' }),
  ]).map((x) => x.metadata.name);
  assert.deepEqual(order, ['monitoring-hpa', 'aaa', 'eks', 'eks-training', 'h100-eks-training']);
});

test('component merge: scalars win when set, overrides shallow, lists replaced, manifests unioned, cleanup sticky', () => {
  const merged = mergeComponent(
    {
      name: 'x',
      source: 'https://a',
      version: '1.0',
      overrides: { a: { b: 1, c: 2 }, keep: true },
      dependencyRefs: ['p'],
      manifestFiles: ['a', 'b'],
      cleanup: true,
    },
    {
      name: 'x',
      valuesFile: 'v.yaml',
      overrides: { a: { b: 9 } },
      dependencyRefs: ['q'],
      manifestFiles: ['b', 'c'],
    },
  );
  assert.equal(merged.source, 'https://a', 'inherited source when the overlay sets only valuesFile');
  assert.equal(merged.version, '1.0');
  assert.equal(merged.valuesFile, 'v.yaml');
  assert.deepEqual(merged.overrides, { a: { b: 9 }, keep: true });
  assert.deepEqual(merged.dependencyRefs, ['q']);
  assert.deepEqual(merged.manifestFiles, ['a', 'b', 'c']);
  assert.equal(merged.cleanup, true);
});

test('spec merge: constraints keyed by name and sorted, components added or merged, phases replaced', () => {
  const out = mergeSpec(
    {
      constraints: [{ name: 'K8s.server.version', value: '>= 1.28' }],
      componentRefs: [{ name: 'b' }],
      validation: { readiness: { checks: ['x'] }, deployment: { checks: ['y'] } },
    },
    {
      constraints: [
        { name: 'OS.release.ID', value: 'ubuntu' },
        { name: 'K8s.server.version', value: '>= 1.32' },
      ],
      componentRefs: [{ name: 'a' }, { name: 'b', version: '2' }],
      validation: { deployment: { checks: ['z'] } },
    },
  );
  assert.deepEqual(out.constraints, [
    { name: 'K8s.server.version', value: '>= 1.32' },
    { name: 'OS.release.ID', value: 'ubuntu' },
  ]);
  assert.deepEqual(
    out.componentRefs?.map((r) => [r.name, r.version]),
    [
      ['a', undefined],
      ['b', '2'],
    ],
  );
  assert.deepEqual(out.validation, { readiness: { checks: ['x'] }, deployment: { checks: ['z'] } });
});

test('deployment order: diamond dependencies in the exact documented order', () => {
  const refs = [
    { name: 'nvsentinel', dependencyRefs: ['gpu-operator', 'network-operator'] },
    { name: 'network-operator', dependencyRefs: ['cert-manager'] },
    { name: 'gpu-operator', dependencyRefs: ['cert-manager'] },
    { name: 'cert-manager' },
  ];
  validateDependencies(refs);
  assert.deepEqual(deploymentOrder(refs), ['cert-manager', 'gpu-operator', 'network-operator', 'nvsentinel']);
});

test('unknown dependencies and cycles are invalid input', () => {
  assert.throws(
    () => validateDependencies([{ name: 'a', dependencyRefs: ['missing'] }]),
    /component "a" references unknown dependency "missing"/,
  );
  assert.throws(
    () =>
      validateDependencies([
        { name: 'a', dependencyRefs: ['b'] },
        { name: 'b', dependencyRefs: ['a'] },
      ]),
    /circular dependency detected: \[a b a\]/,
  );
});

// One definition per document type (issue 11 §2): the field lists the builder and the matcher use are
// the schema's fields, in the schema's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPONENT_REF_FIELDS, CRITERIA_FIELDS } from '../../src/model/fields.js';
import { componentRefObject, criteriaObject } from '../../src/model/schema.js';
import { orderedRef } from '../../src/recipe/builder.js';
import { CRITERIA_VALUES } from '../../src/model/criteria.js';

test('ComponentRef fields: the schema keys, in output order', () => {
  assert.deepEqual([...COMPONENT_REF_FIELDS], Object.keys(componentRefObject.shape));
});

test('criteria fields: the schema keys (plus nodes) and the allowed-value table agree', () => {
  assert.deepEqual([...CRITERIA_FIELDS, 'nodes'], Object.keys(criteriaObject.shape));
  assert.deepEqual(Object.keys(CRITERIA_VALUES), [...CRITERIA_FIELDS]);
});

test('every ComponentRef field set survives orderedRef', () => {
  const full = {
    name: 'n',
    namespace: 'ns',
    chart: 'c',
    type: 'Helm',
    source: 's',
    version: 'v1',
    tag: 't',
    valuesFile: 'v.yaml',
    overrides: { a: 1 },
    patches: ['p'],
    dependencyRefs: ['d'],
    manifestFiles: ['m'],
    path: 'p',
    cleanup: true,
    expectedResources: [{ kind: 'K', name: 'x' }],
    healthCheckAsserts: 'h',
  };
  assert.deepEqual(Object.keys(orderedRef(full)), [...COMPONENT_REF_FIELDS]);
});

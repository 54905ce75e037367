/** ConfigMap data keys: which key a document is written under, and which one is read back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMapStore, dataKeyFor, pickDocumentKey } from '../../src/io/configmap.js';

test('dataKeyFor: <kind>.<yaml|json|txt>', () => {
  assert.equal(dataKeyFor('snapshot', 'yaml'), 'snapshot.yaml');
  assert.equal(dataKeyFor('snapshot', 'json'), 'snapshot.json');
  assert.equal(dataKeyFor('snapshot', 'table'), 'snapshot.txt');
  assert.equal(dataKeyFor('recipe', 'yaml'), 'recipe.yaml');
  assert.equal(dataKeyFor('validation', 'json'), 'validation.json');
});

test('pickDocumentKey: the key named by the format key wins for the preferred kind', () => {
  const both = { 'snapshot.yaml': 'a: 1', 'snapshot.json': '{}' };
  assert.deepEqual(pickDocumentKey({ ...both, format: 'json' }, ['snapshot']), {
    key: 'snapshot.json',
    format: 'json',
  });
  assert.deepEqual(pickDocumentKey({ ...both, format: 'yaml' }, ['snapshot']), {
    key: 'snapshot.yaml',
    format: 'yaml',
  });
  // No (or an unknown) format key means yaml first.
  assert.deepEqual(pickDocumentKey(both, ['snapshot']), { key: 'snapshot.yaml', format: 'yaml' });
  assert.deepEqual(pickDocumentKey({ ...both, format: 'table' }, ['snapshot']), {
    key: 'snapshot.yaml',
    format: 'yaml',
  });
});

test('pickDocumentKey: falls back to the other format of the same kind', () => {
  assert.deepEqual(pickDocumentKey({ format: 'yaml', 'snapshot.json': '{}' }, ['snapshot']), {
    key: 'snapshot.json',
    format: 'json',
  });
  assert.deepEqual(pickDocumentKey({ format: 'json', 'recipe.yaml': 'a: 1' }, ['recipe']), {
    key: 'recipe.yaml',
    format: 'yaml',
  });
});

test('pickDocumentKey: preferred kinds first, in order, then snapshot, recipe, validation', () => {
  const data = {
    'validation.yaml': 'v',
    'recipe.json': 'r',
    'snapshot.yaml': 's',
  };
  assert.equal(pickDocumentKey(data, ['recipe'])?.key, 'recipe.json');
  assert.equal(pickDocumentKey(data, ['validation'])?.key, 'validation.yaml');
  assert.equal(pickDocumentKey(data, ['criteria', 'recipe'])?.key, 'recipe.json');
  // A kind with no key of its own: upstream's snapshot keys are the first fallback.
  assert.equal(pickDocumentKey(data, ['criteria'])?.key, 'snapshot.yaml');
  assert.equal(
    pickDocumentKey({ 'recipe.yaml': 'r', 'validation.json': 'v' }, ['criteria'])?.key,
    'recipe.yaml',
  );
  assert.deepEqual(pickDocumentKey({ 'validation.json': 'v' }, ['snapshot']), {
    key: 'validation.json',
    format: 'json',
  });
});

test('pickDocumentKey: upstream agent ConfigMaps (snapshot.yaml / snapshot.json) are read', () => {
  const upstream = {
    'snapshot.yaml': 'kind: Snapshot',
    format: 'yaml',
    timestamp: '2026-03-02T08:00:00Z',
  };
  assert.deepEqual(pickDocumentKey(upstream, ['snapshot']), { key: 'snapshot.yaml', format: 'yaml' });
  assert.deepEqual(pickDocumentKey({ 'snapshot.json': '{}', format: 'json' }, ['snapshot']), {
    key: 'snapshot.json',
    format: 'json',
  });
});

test('pickDocumentKey: table text, unrelated keys and empty data give nothing', () => {
  assert.equal(pickDocumentKey({ 'snapshot.txt': 'FIELD VALUE', format: 'table' }, ['snapshot']), undefined);
  assert.equal(pickDocumentKey({ 'notes.yaml': 'a: 1', 'snapshot.yml': 'a: 1' }, ['snapshot']), undefined);
  assert.equal(pickDocumentKey({}, ['recipe']), undefined);
  // An empty value is still a present key (reading it then reports an empty document).
  assert.deepEqual(pickDocumentKey({ 'recipe.yaml': '' }, ['recipe']), {
    key: 'recipe.yaml',
    format: 'yaml',
  });
});

test('without a registered store (the CLI registers the Kubernetes one in src/cli/main.ts), cm:// I/O is an internal error', async () => {
  await assert.rejects(configMapStore(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'INTERNAL');
    assert.match(err.message, /no ConfigMap store is registered/);
    return true;
  });
});

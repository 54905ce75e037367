// RFC 6902 patch generation, checked with an independent implementation (fast-json-patch):
// applying diffPatch(a, b) to a yields b, property-tested on random documents and random snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { diffPatch } from '../../src/diff/patch.js';
import { snapshotChanges } from '../../src/diff/changes.js';

const apply = (doc: unknown, ops: unknown[]) =>
  jsonpatch.applyPatch(structuredClone(doc), ops as jsonpatch.Operation[], true, false).newDocument;

/** Whether a document has an own `__proto__` key anywhere (fast-json-patch refuses to apply those). */
const hasProtoKey = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  (Object.prototype.hasOwnProperty.call(v, '__proto__') || Object.values(v).some(hasProtoKey));

test('applying the patch to a random document yields the other one (fast-check)', () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  fc.assert(
    fc.property(json, json, (a, b) => {
      // Documents with a `__proto__` key: the independent applier refuses them (tested below instead).
      fc.pre(!hasProtoKey(a) && !hasProtoKey(b));
      assert.deepEqual(apply(a, diffPatch(a, b)), b);
    }),
    { numRuns: 500 },
  );
});

test('a `__proto__` key is an ordinary member: add, remove and replace name it (found by fast-check)', () => {
  const withProto = JSON.parse('{"__proto__":""}') as unknown;
  const nested = JSON.parse('{"__proto__":{"x":1}}') as unknown;
  assert.deepEqual(diffPatch(withProto, {}), [{ op: 'remove', path: '/__proto__' }]);
  assert.deepEqual(diffPatch({}, withProto), [{ op: 'add', path: '/__proto__', value: '' }]);
  assert.deepEqual(diffPatch(withProto, nested), [{ op: 'replace', path: '/__proto__', value: { x: 1 } }]);
  assert.equal(Object.getPrototypeOf(diffPatch({}, withProto)[0]), Object.prototype);
});

// `__proto__` is left out: fast-json-patch refuses it (prototype pollution guard), as it should.
const name = fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__proto__');
const reading = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const subtypeArb = fc.record({
  subtype: name,
  data: fc.dictionary(name, reading, { maxKeys: 5, noNullPrototype: true }),
});
const snapshotArb = fc
  .record({
    kind: fc.constant('Snapshot'),
    apiVersion: fc.constant('aicr.nvidia.com/v1alpha1'),
    metadata: fc.dictionary(name, fc.string({ maxLength: 5 }), { maxKeys: 3, noNullPrototype: true }),
    measurements: fc.uniqueArray(
      fc.record({
        type: fc.constantFrom('K8s', 'SystemD', 'OS', 'GPU', 'NodeTopology'),
        subtypes: fc.uniqueArray(subtypeArb, { selector: (s) => s.subtype, maxLength: 4 }),
      }),
      { selector: (m) => m.type, maxLength: 5 },
    ),
  })
  .map((d) => JSON.parse(JSON.stringify(d)) as typeof d); // plain prototypes, as parsed documents have

test('snapshots: the patch reproduces CURRENT exactly, order included (fast-check)', () => {
  fc.assert(
    fc.property(snapshotArb, snapshotArb, (a, b) => {
      assert.deepEqual(apply(a, diffPatch(a, b)), b);
    }),
    { numRuns: 500 },
  );
});

test('snapshots: a shuffled copy has no changes, and its patch only moves', () => {
  fc.assert(
    fc.property(snapshotArb, fc.integer(), (a, seed) => {
      const b = structuredClone(a);
      const rot = (arr: unknown[]) => arr.push(...arr.splice(0, Math.abs(seed) % Math.max(1, arr.length)));
      rot(b.measurements);
      for (const m of b.measurements) rot(m.subtypes);
      assert.deepEqual(snapshotChanges(a, b), []);
      const ops = diffPatch(a, b);
      assert.ok(ops.every((o) => o.op === 'move'));
      assert.deepEqual(apply(a, ops), b);
    }),
    { numRuns: 300 },
  );
});

test('a changed reading is one replace deep in its matched element', () => {
  const a = {
    measurements: [
      { type: 'OS', subtypes: [{ subtype: 'release', data: { ID: 'ubuntu' } }] },
      { type: 'GPU', subtypes: [{ subtype: 'smi', data: { driver: '570.1', 'gpu-count': 8 } }] },
    ],
  };
  const b = {
    measurements: [
      { type: 'GPU', subtypes: [{ subtype: 'smi', data: { driver: '580.2', 'gpu-count': 8 } }] },
      { type: 'OS', subtypes: [{ subtype: 'release', data: { ID: 'ubuntu' } }] },
    ],
  };
  assert.deepEqual(diffPatch(a, b), [
    { op: 'move', from: '/measurements/1', path: '/measurements/0' },
    { op: 'replace', path: '/measurements/0/subtypes/0/data/driver', value: '580.2' },
  ]);
  assert.deepEqual(snapshotChanges(a, b), [
    { path: 'GPU.smi.driver', change: 'changed', old: '570.1', new: '580.2' },
  ]);
});

test('keys with / and ~ are escaped as RFC 6901 tokens', () => {
  const ops = diffPatch({ d: { '/proc/sys/a~b': 1 } }, { d: { '/proc/sys/a~b': 2 } });
  assert.deepEqual(ops, [{ op: 'replace', path: '/d/~1proc~1sys~1a~0b', value: 2 }]);
});

test('a path that reads two ways is written with its dotted names quoted', () => {
  const snap = (v: string) => ({
    measurements: [
      {
        type: 'SystemD',
        subtypes: [
          { subtype: 'containerd', data: { 'service.ActiveState': 'x' } },
          { subtype: 'containerd.service', data: { ActiveState: v } },
        ],
      },
    ],
  });
  assert.deepEqual(
    snapshotChanges(snap('active'), snap('failed')).map((c) => c.path),
    ['SystemD."containerd.service".ActiveState'],
  );
});

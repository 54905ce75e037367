// The fast recipe check (src/model/shape.ts) against the zod schema it stands in for: whatever the
// fast check accepts, the schema accepts too and gives back the same document, key order included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { recipeResultSchema } from '../../src/model/schema.js';
import { keepScalarText, RECIPE_TEXT_FIELDS, recipeShape } from '../../src/model/shape.js';
import { parseDocument } from '../../src/io/document.js';
import { toRecipe } from '../../src/model/load.js';
import { writeTrainingRecipe } from '../helpers/cli.js';

/** An object with own properties in this order (`__proto__` included, as a YAML or JSON map gives it). */
function mk(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Keys in document order, all the way down (bigints as text). */
function shapeText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

const scalar = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('', 'a', '1.10', 'x'),
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -2n, max: 2n }),
);
const strList = fc.oneof(
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
  fc.array(scalar, { maxLength: 2 }),
);
const EXTRA = ['x-extra', '__proto__', '7', 'zz'];

/** A map of some of `fields` (each with its generator) and maybe extra keys, in a random order. */
function mapOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const names = [...Object.keys(fields), ...EXTRA];
  const gen = (k: string) => (Object.hasOwn(fields, k) ? fields[k]! : scalar);
  return fc
    .subarray(names, { maxLength: names.length })
    .chain((keys) =>
      fc.tuple(fc.tuple(...keys.map((k) => gen(k).map((v) => [k, v] as [string, unknown]))), fc.boolean()),
    )
    .chain(([entries, sorted]) =>
      // Half the maps keep the schema's order (the common case), half are shuffled.
      sorted
        ? fc.constant(mk([...entries].sort((a, b) => names.indexOf(a[0]) - names.indexOf(b[0]))))
        : fc.shuffledSubarray(entries, { minLength: entries.length }).map(mk),
    );
}
const anyMap = fc.oneof(mapOf({}), fc.constant(null), scalar);
const constraint = fc.oneof(
  mapOf({
    name: fc.string({ maxLength: 3 }),
    value: scalar,
    severity: scalar,
    remediation: scalar,
    unit: scalar,
  }),
  scalar,
);
const componentRef = mapOf({
  name: fc.oneof(fc.constantFrom('gpu-operator', ''), scalar),
  namespace: scalar,
  chart: scalar,
  type: scalar,
  source: scalar,
  version: scalar,
  tag: scalar,
  valuesFile: scalar,
  overrides: anyMap,
  patches: fc.oneof(strList, fc.constant(null)),
  dependencyRefs: strList,
  manifestFiles: strList,
  path: scalar,
  cleanup: fc.oneof(fc.boolean(), scalar),
  expectedResources: fc.oneof(
    fc.array(
      mapOf({ kind: fc.string({ maxLength: 2 }), name: fc.string({ maxLength: 2 }), namespace: scalar }),
      {
        maxLength: 2,
      },
    ),
    fc.constant(null),
  ),
  healthCheckAsserts: scalar,
});
const phase = fc.oneof(
  mapOf({
    timeout: scalar,
    constraints: fc.oneof(fc.array(constraint, { maxLength: 2 }), fc.constant(null)),
    checks: strList,
    nodeSelection: fc.oneof(
      mapOf({
        selector: fc.oneof(mapOf({}), scalar),
        maxNodes: fc.oneof(fc.integer(), fc.double(), scalar),
        excludeNodes: strList,
      }),
      scalar,
    ),
    infrastructure: scalar,
  }),
  scalar,
);
const recipeDoc = mapOf({
  kind: fc.oneof(fc.constant('RecipeResult'), scalar),
  apiVersion: fc.oneof(fc.constant('aicr.nvidia.com/v1alpha1'), scalar),
  metadata: anyMap,
  criteria: fc.oneof(
    mapOf({
      service: scalar,
      accelerator: scalar,
      intent: scalar,
      os: scalar,
      platform: scalar,
      nodes: fc.oneof(fc.integer(), fc.bigInt(), fc.double(), scalar),
    }),
    scalar,
  ),
  constraints: fc.oneof(fc.array(constraint, { maxLength: 3 }), scalar),
  componentRefs: fc.oneof(fc.array(componentRef, { maxLength: 3 }), scalar),
  deploymentOrder: fc.oneof(strList, scalar),
  validation: fc.oneof(
    mapOf({ readiness: phase, deployment: phase, performance: phase, conformance: phase }),
    scalar,
  ),
});

test('what the fast recipe check accepts, the zod schema accepts, and both give the same copy', () => {
  let accepted = 0;
  fc.assert(
    fc.property(recipeDoc, (doc) => {
      for (const p of RECIPE_TEXT_FIELDS) keepScalarText(doc, p);
      const fast = recipeShape(structuredClone(doc));
      if (fast === undefined) return;
      accepted++;
      const res = recipeResultSchema.safeParse(structuredClone(doc));
      assert.ok(res.success, `zod refused what the fast check accepted: ${shapeText(doc)}`);
      assert.deepEqual(fast, res.data);
      assert.equal(shapeText(fast), shapeText(res.data), 'key order');
    }),
    { numRuns: Number(process.env.AICR_FC_RUNS ?? 3000) },
  );
  assert.ok(accepted > 50, `the generator reached the fast path ${accepted} times`);
});

test('the fast check copies as the schema does, and leaves conversions and errors to it', () => {
  // the schema's field order first, other keys after; a __proto__ key dropped
  assert.equal(
    shapeText(recipeShape({ componentRefs: [{ x: 1, version: 'v1', name: 'a' }] })),
    '{"componentRefs":[{"name":"a","version":"v1","x":1}]}',
  );
  assert.equal(
    shapeText(recipeShape(JSON.parse('{"metadata": {"__proto__": 1, "a": 2}}'))),
    '{"metadata":{"a":2}}',
  );
  // values the schema converts (numbers as text) or refuses
  assert.equal(recipeShape({ constraints: [{ name: 'n', value: 1 }] }), undefined);
  assert.equal(recipeShape({ componentRefs: [{ name: '' }] }), undefined);
  assert.equal(recipeShape({ criteria: { nodes: 1.5 } }), undefined);
  assert.equal(recipeShape({ validation: { readiness: { timeout: null } } }), undefined);
  assert.equal(recipeShape([]), undefined);
});

test('a recipe aicr writes takes the fast path, and loads the same either way', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-shape-'));
  try {
    const file = path.join(dir, 'recipe.yaml');
    await writeTrainingRecipe(file);
    const text = readFileSync(file, 'utf8');
    assert.notEqual(recipeShape(parseDocument(text, file)), undefined);
    const fast = await toRecipe(parseDocument(text, file), file);
    const viaZod = recipeResultSchema.parse(parseDocument(text, file));
    assert.equal(shapeText(fast), shapeText(viaZod));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record entry named __proto__ is checked before it is dropped (fast-check counterexample)', () => {
  const doc = JSON.parse(
    '{"validation":{"performance":{"nodeSelection":{"selector":{"7":"","__proto__":false}}}}}',
  );
  assert.equal(recipeShape(structuredClone(doc)), undefined);
  assert.equal(recipeResultSchema.safeParse(doc).success, false);
});

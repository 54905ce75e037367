/**
 * Path resolution with names that contain dots (src/model/path.ts through the constraint resolver
 * and the overlay check), property-tested against a brute-force oracle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { AmbiguousPathError, parseConstraintPath, resolveReading } from '../../src/constraint/path.js';
import { checkOverlayConstraint, evaluateConstraint } from '../../src/constraint/evaluate.js';
import type { Snapshot } from '../../src/model/snapshot.js';

// Small alphabets so that names collide and spell each other often.
const part = fc.constantFrom('a', 'b', 'service', 'nvidia.com/gpu', 'x-y', '/proc/sys/kernel', 'constructor');
const name = fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
const snapArb = fc
  .uniqueArray(fc.tuple(name, fc.uniqueArray(name, { minLength: 1, maxLength: 4 })), {
    minLength: 1,
    maxLength: 5,
    selector: ([s]) => s,
  })
  .map((subs) => ({
    measurements: [
      {
        type: 'SystemD',
        subtypes: subs.map(([subtype, keys]) => ({
          subtype,
          data: Object.fromEntries(keys.map((k) => [k, `${subtype}|${k}`])),
        })),
      },
    ],
  }));

/** Every (subtype, key) pair of the snapshot that spells `rest`. */
function oracle(snap: Snapshot, rest: string): string[] {
  const out: string[] = [];
  for (const s of snap.measurements[0].subtypes ?? []) {
    for (const k of Object.keys(s.data)) if (`${s.subtype}.${k}` === rest) out.push(String(s.data[k]));
  }
  return out;
}

describe('constraint paths with dots (fast-check against a brute-force oracle)', () => {
  it('resolves exactly when one subtype/key pair spells the path, is ambiguous (exit 2) when several do', () => {
    fc.assert(
      fc.property(snapArb, fc.nat(), fc.boolean(), name, (snap, pick, existing, other) => {
        const pairs = snap.measurements[0].subtypes.flatMap((s) =>
          Object.keys(s.data).map((k) => `${s.subtype}.${k}`),
        );
        const rest = existing ? pairs[pick % pairs.length] : other;
        if (!rest.includes('.')) {
          assert.throws(
            () => parseConstraintPath(`SystemD.${rest}`),
            /expected \{Type\}\.\{Subtype\}\.\{Key\}/,
          );
          return;
        }
        const want = oracle(snap, rest);
        const path = parseConstraintPath(`SystemD.${rest}`);
        if (want.length === 1) {
          assert.equal(resolveReading(snap, path), want[0]);
          assert.equal(evaluateConstraint({ name: `SystemD.${rest}`, value: want[0] }, snap).status, 'pass');
        } else if (want.length > 1) {
          assert.throws(() => resolveReading(snap, path), AmbiguousPathError);
          assert.throws(
            () => checkOverlayConstraint({ name: `SystemD.${rest}`, value: 'x' }, snap),
            (e: unknown) => exitCodeFor(e) === 2,
          );
        } else {
          assert.throws(
            () => resolveReading(snap, path),
            (e: unknown) => e instanceof AicrError && e.code === 'NOT_FOUND',
          );
          assert.equal(evaluateConstraint({ name: `SystemD.${rest}`, value: 'x' }, snap).status, 'skipped');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('inherited names never resolve', () => {
    const snap: Snapshot = {
      measurements: [{ type: 'OS', subtypes: [{ subtype: 'release', data: { ID: 'x' } }] }],
    };
    for (const rest of [
      'constructor.name',
      'release.constructor',
      '__proto__.ID',
      'release.toString',
      'release.__proto__',
    ]) {
      assert.throws(
        () => resolveReading(snap, parseConstraintPath(`OS.${rest}`)),
        (e: unknown) => e instanceof AicrError && e.code === 'NOT_FOUND',
        rest,
      );
    }
  });
});

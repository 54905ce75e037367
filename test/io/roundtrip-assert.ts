/** Deep equality for data that went through a serializer and a parser (bigint-aware). */
import assert from 'node:assert/strict';

export const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
export const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Deep equality for a round trip. Maps compare their own keys in order. Integers parsed as bigints
 * (intAsBigInt) equal the same safe number; an integral number beyond 2^53 may come back as the
 * bigint that the shortest decimal form of the number denotes.
 */
export function assertRoundTrip(expected: unknown, actual: unknown, where = '$'): void {
  const fail = (why: string) =>
    assert.fail(`${where}: ${why} (expected ${show(expected)}, got ${show(actual)})`);
  if (typeof expected === 'bigint') {
    if (typeof actual === 'bigint') {
      if (actual !== expected) fail('different integer');
    } else if (typeof actual === 'number') {
      if (expected < SAFE_MIN || expected > SAFE_MAX || actual !== Number(expected))
        fail('bigint lost precision');
    } else fail('type changed');
    return;
  }
  if (typeof expected === 'number') {
    if (typeof actual === 'bigint') {
      if (Number.isSafeInteger(expected) || !Number.isInteger(expected) || Number(actual) !== expected) {
        fail('different number');
      }
    } else if (typeof actual !== 'number' || !Object.is(actual, expected)) fail('different number');
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return fail('not a list');
    if (actual.length !== expected.length) fail('list length differs');
    expected.forEach((x, i) => assertRoundTrip(x, actual[i], `${where}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return fail('not a map');
    const ek = Object.keys(expected);
    const ak = Object.keys(actual);
    assert.deepEqual(ak, ek, `${where}: keys differ`);
    for (const k of ek) {
      assertRoundTrip(
        (expected as Record<string, unknown>)[k],
        (actual as Record<string, unknown>)[k],
        `${where}[${JSON.stringify(k)}]`,
      );
    }
    return;
  }
  if (!Object.is(actual, expected)) fail('different scalar');
}

export function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

// The one duration parser (src/util/duration.ts): Go syntax, bounded by the platform timer's range.
// Property tests with fast-check; the CLI-level checks are in test/snapshot/bounded.e2e.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { formatDuration, MAX_TIMER_MS, parseDuration } from '../../src/util/duration.js';

const UNITS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

describe('parseDuration', () => {
  it('reads every duration aicr prints back to the same milliseconds, up to 2^31-1 ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_TIMER_MS }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
    );
    assert.equal(parseDuration('596h31m23.647s'), MAX_TIMER_MS);
  });

  it('sums terms in any unit, as Go does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...UNITS), fc.integer({ min: 0, max: 500 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (terms) => {
          const text = terms.map(([[u], n]) => `${n}${u}`).join('');
          const want = terms.reduce((a, [[, f], n]) => a + n * f, 0);
          if (want > MAX_TIMER_MS) assert.throws(() => parseDuration(text));
          else assert.equal(parseDuration(text), want);
        },
      ),
    );
  });

  it('rejects everything beyond the timer range with exit 2, however it is written', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(MAX_TIMER_MS) + 1n, max: 10n ** 40n }), (ms) => {
        for (const text of [`${ms}ms`, `${ms}h`, `${ms / 1000n + 1n}s`]) {
          let err: unknown;
          try {
            parseDuration(text, '--timeout');
          } catch (e) {
            err = e;
          }
          assert.ok(err instanceof AicrError, text);
          assert.equal(exitCodeFor(err), 2);
          assert.match(err.message, /longer than the longest supported timer, 596h31m23\.647s/);
        }
      }),
    );
    assert.throws(() => parseDuration('999999h'), /invalid duration "999999h" for --timeout: longer than/);
    assert.throws(() => parseDuration('2147483648ms'), /longer than/);
  });

  it('rejects any other text with exit 2 naming the flag, and never throws anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          const ms = parseDuration(text, 'environment variable X');
          assert.ok(Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIMER_MS);
        } catch (e) {
          assert.ok(e instanceof AicrError);
          assert.equal(exitCodeFor(e), 2);
          assert.match(e.message, /for environment variable X: /);
        }
      }),
    );
    for (const bad of ['', '5', '-5m', '+5m', '1e3s', 'h', '5 m', '5mm', '1d', 'Infinityh', 'NaNs']) {
      assert.throws(() => parseDuration(bad), AicrError, bad);
    }
  });

  it('bare seconds only where asked (AICR_HTTP_TIMEOUT); positive rejects 0', () => {
    assert.equal(parseDuration('10', 'X', { bareSeconds: true }), 10_000);
    assert.equal(parseDuration('1.5', 'X', { bareSeconds: true }), 1500);
    assert.throws(() => parseDuration('10', 'X'));
    assert.throws(() => parseDuration('0', 'X', { positive: true }), /positive/);
    assert.throws(() => parseDuration('9999999999', 'X', { bareSeconds: true }), /longer than/);
    assert.equal(parseDuration('0'), 0);
  });
});

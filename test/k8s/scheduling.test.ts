import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeFor } from '../../src/errors/index.js';
import { parseNodeSelectors, parseTolerations } from '../../src/k8s/scheduling.js';
import { formatDuration, parseDuration } from '../../src/util/duration.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { exit: exitCodeFor(err), message: (err as Error).message };
  }
  return undefined;
};

describe('--node-selector', () => {
  it('splits at the first =, allows empty values, later duplicates win, commas separate entries', () => {
    assert.deepEqual(parseNodeSelectors(['label=key=value', 'empty=', 'a=1,b=2', 'a=3']), {
      label: 'key=value',
      empty: '',
      a: '3',
      b: '2',
    });
    assert.deepEqual(parseNodeSelectors(undefined), undefined);
    assert.deepEqual(parseNodeSelectors([' a = b ']), { a: 'b' });
  });

  it('rejects an entry without = (exit 2)', () => {
    const r = code(() => parseNodeSelectors(['invalid']));
    assert.equal(r?.exit, 2);
    assert.match(r!.message, /"invalid".*key=value/);
  });
});

describe('--toleration', () => {
  it('key=value:effect is Equal, key:effect and key=:effect are Exists', () => {
    assert.deepEqual(
      parseTolerations(['dedicated=gpu:NoSchedule', 'nvidia.com/gpu:NoExecute', 'x=:PreferNoSchedule']),
      [
        { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' },
        { key: 'x', operator: 'Exists', effect: 'PreferNoSchedule' },
      ],
    );
  });

  it(':effect without a key tolerates every taint with that effect (as bundle)', () => {
    assert.deepEqual(parseTolerations([':NoSchedule']), [{ operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('no flag means: caller default (undefined)', () => {
    assert.equal(parseTolerations([]), undefined);
    assert.equal(parseTolerations(undefined), undefined);
  });

  for (const bad of ['key=value', 'k=v:noschedule', 'k=v:', 'k:v:NoSchedule', '=v:NoSchedule', 'k=v:Bogus']) {
    it(`rejects ${JSON.stringify(bad)} (exit 2)`, () => {
      const r = code(() => parseTolerations([bad]));
      assert.equal(r?.exit, 2, bad);
      assert.match(r!.message, /--toleration/);
    });
  }
});

describe('durations', () => {
  it('parses Go durations', () => {
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('0'), 0);
  });

  it('rejects numbers without unit and garbage (exit 2)', () => {
    for (const bad of ['5', 'abc', '5 m', '', '-1s', '5x']) {
      assert.equal(code(() => parseDuration(bad))?.exit, 2, bad);
    }
  });

  it('formats like Go', () => {
    assert.equal(formatDuration(300_000), '5m0s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(5_400_000), '1h30m0s');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(250), '250ms');
  });
});

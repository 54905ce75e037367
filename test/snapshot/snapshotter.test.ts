// The snapshotter: concurrency, fixed order, per-collector timeouts, degradation; collector selection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCollectors, selectCollectors } from '../../src/collector/index.js';
import type { Collector } from '../../src/collector/types.js';
import { exitCodeFor } from '../../src/errors/index.js';
import { API_VERSION, type Measurement, type MeasurementType } from '../../src/model/snapshot.js';
import { takeSnapshot } from '../../src/snapshot/index.js';
import { captureLogs, tempDir } from '../collector/helpers.js';

/** A collector whose behaviour the test controls (the snapshotter is what is under test here). */
function scripted(
  type: MeasurementType,
  behave: (signal: AbortSignal) => Promise<Measurement>,
  timeoutMs = 2000,
): Collector & { started: number } {
  const c = {
    type,
    timeoutMs,
    started: 0,
    collect(signal: AbortSignal) {
      c.started = Date.now();
      return behave(signal);
    },
  };
  return c;
}

const after = (ms: number, m: Measurement) => () =>
  new Promise<Measurement>((r) => setTimeout(() => r(m), ms));

describe('takeSnapshot', () => {
  it('runs collectors concurrently and keeps the given order, not the completion order', async () => {
    const cs = [
      scripted('K8s', after(150, { type: 'K8s', subtypes: [] })),
      scripted('SystemD', after(100, { type: 'SystemD' })),
      scripted('OS', after(50, { type: 'OS', subtypes: [] })),
      scripted('GPU', after(0, { type: 'GPU', subtypes: [] })),
      scripted('NodeTopology', after(20, { type: 'NodeTopology', subtypes: [] })),
    ];
    const started = Date.now();
    const snap = await takeSnapshot({
      collectors: cs,
      nodeName: 'node-a',
      version: '1.2.3',
      now: () => new Date('2026-03-02T08:00:00.123Z'),
    });
    assert.ok(Date.now() - started < 400, 'concurrent, not sequential');
    assert.deepEqual(
      snap.measurements.map((m) => m.type),
      ['K8s', 'SystemD', 'OS', 'GPU', 'NodeTopology'],
    );
    assert.equal(snap.kind, 'Snapshot');
    assert.equal(snap.apiVersion, API_VERSION);
    assert.deepEqual(snap.metadata, {
      'source-node': 'node-a',
      timestamp: '2026-03-02T08:00:00Z',
      version: '1.2.3',
    });
  });

  it('drops a failing collector and one that overruns its timeout, with a warning each', async () => {
    let sawAbort = false;
    const cs = [
      scripted('K8s', async () => {
        throw new Error('boom');
      }),
      scripted(
        'OS',
        (signal) =>
          new Promise<Measurement>((_, reject) => {
            signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(signal.reason as Error);
            });
          }),
        200,
      ),
      // ignores its signal entirely: must not hold the snapshot up
      scripted('GPU', () => new Promise<Measurement>(() => undefined), 300),
      scripted('NodeTopology', after(10, { type: 'NodeTopology', subtypes: [] })),
    ];
    const logs = captureLogs();
    const started = Date.now();
    const snap = await takeSnapshot({ collectors: cs, nodeName: 'n' }).finally(logs.restore);
    assert.ok(Date.now() - started < 1500);
    assert.ok(sawAbort, 'the timed-out collector was told to stop');
    assert.deepEqual(
      snap.measurements.map((m) => m.type),
      ['NodeTopology'],
    );
    assert.deepEqual(logs.warnings().sort(), [
      'failed to collect GPU - skipping: did not finish within 300ms',
      'failed to collect K8s - skipping: boom',
      'failed to collect OS - skipping: did not finish within 200ms',
    ]);
    assert.equal(snap.metadata?.version, undefined, 'no version key when none is given');
  });

  it('an aborted parent signal drops the collectors still running', async () => {
    const ctl = new AbortController();
    const cs = [
      scripted('OS', after(0, { type: 'OS', subtypes: [] })),
      scripted(
        'GPU',
        (s) =>
          new Promise<Measurement>((_, rej) => s.addEventListener('abort', () => rej(s.reason as Error))),
        10_000,
      ),
    ];
    setTimeout(() => ctl.abort(new Error('overall timeout of 0.1s reached')), 100);
    const logs = captureLogs();
    const snap = await takeSnapshot({ collectors: cs, nodeName: 'n', signal: ctl.signal }).finally(
      logs.restore,
    );
    assert.deepEqual(
      snap.measurements.map((m) => m.type),
      ['OS'],
    );
    assert.match(
      logs.warnings()[0]!,
      /failed to collect GPU - skipping: interrupted: overall timeout of 0.1s reached/,
    );
  });
});

describe('collector selection', () => {
  it('selects all five in output order by default', () => {
    assert.deepEqual(selectCollectors(), ['k8s', 'systemd', 'os', 'gpu', 'topology']);
  });

  it('--filter keeps only the named types, --exclude removes them, both case-insensitive', () => {
    assert.deepEqual(selectCollectors('gpu,os'), ['os', 'gpu']);
    assert.deepEqual(selectCollectors(['GPU', ' OS ']), ['os', 'gpu']);
    assert.deepEqual(selectCollectors(undefined, 'k8s,topology'), ['systemd', 'os', 'gpu']);
    assert.deepEqual(selectCollectors('gpu,os,k8s', 'k8s'), ['os', 'gpu']);
    assert.deepEqual(selectCollectors('NodeTopology,SystemD'), ['systemd', 'topology']);
  });

  it('rejects unknown names and empty selections as bad input (exit 2)', () => {
    assert.throws(
      () => selectCollectors('gpu,disk'),
      (err: unknown) => {
        assert.match(
          String(err),
          /--filter: unknown collector type "disk"; allowed: k8s, systemd, os, gpu, topology/,
        );
        assert.equal(exitCodeFor(err), 2);
        return true;
      },
    );
    assert.throws(() => selectCollectors(undefined, 'helm'), /--exclude: unknown collector type "helm"/);
    assert.throws(() => selectCollectors('gpu', 'gpu'), /leave nothing to collect/);
  });

  it('builds only the selected collectors, so excluded work never runs', async () => {
    const home = tempDir('aicr-home-');
    try {
      const cs = createCollectors(selectCollectors('os,gpu'), { env: { HOME: home.dir, PATH: home.dir } });
      assert.deepEqual(
        cs.map((c) => c.type),
        ['OS', 'GPU'],
      );
      const logs = captureLogs();
      const snap = await takeSnapshot({ collectors: cs, nodeName: 'n' }).finally(logs.restore);
      assert.deepEqual(
        snap.measurements.map((m) => m.type),
        ['OS', 'GPU'],
      );
      assert.ok(!logs.warnings().some((w) => w.includes('Kubernetes')), 'no cluster work was attempted');
    } finally {
      home.cleanup();
    }
  });
});

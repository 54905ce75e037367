// FleetReport: majority per measurement path, deviating nodes, no-majority readings, failed nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFleetReport } from '../../src/diff/fleet.js';
import type { Snapshot } from '../../src/model/snapshot.js';

const snap = (driver: string | undefined, uuid: string, fileNr = '1'): Snapshot => ({
  measurements: [
    {
      type: 'GPU',
      subtypes: [
        { subtype: 'smi', data: { ...(driver ? { driver } : {}), 'gpu-count': 8, 'gpu.0.uuid': uuid } },
      ],
    },
    { type: 'OS', subtypes: [{ subtype: 'sysctl', data: { '/proc/sys/fs/file-nr': fileNr } }] },
  ],
});

test('majority values, deviations (absent readings included), no-majority paths, failed nodes', () => {
  const r = buildFleetReport(
    [
      { node: 'n1', snapshot: snap('570', 'a', '1') },
      { node: 'n2', snapshot: snap('570', 'b', '2') },
      { node: 'n3', snapshot: snap('580', 'c', '3') },
      { node: 'n4', snapshot: snap(undefined, 'd', '4') },
      { node: 'n5', snapshot: snap('570', 'e', '5') },
      { node: 'n6', reason: 'agent exited with code 3 (Error)' },
    ],
    { timestamp: 't' },
  );
  assert.equal(r.kind, 'FleetReport');
  assert.deepEqual([r.nodeCount, r.succeeded, r.failed], [6, 5, 1]);
  assert.deepEqual(r.failedNodes, [{ node: 'n6', reason: 'agent exited with code 3 (Error)' }]);
  assert.deepEqual(r.majority.measurements, [
    { type: 'GPU', subtypes: [{ subtype: 'smi', data: { driver: '570', 'gpu-count': 8 } }] },
  ]);
  assert.deepEqual(r.deviations, [
    {
      path: 'GPU.smi.driver',
      majority: '570',
      count: 3,
      nodes: [
        { node: 'n3', value: '580' },
        { node: 'n4', value: null, absent: true },
      ],
    },
  ]);
  // Per-node identities have no majority; default-ignored counters are left out entirely.
  assert.deepEqual(r.noMajority, [{ path: 'GPU.smi.gpu.0.uuid', values: 5 }]);
});

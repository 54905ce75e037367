/**
 * NodeTopology over 2,000 real Node objects in a real API server (`npm run test:cluster`; skipped with
 * the reason printed unless AICR_E2E_KUBECONFIG is set). The nodes are created by the test (labelled
 * `aicr.nvidia.com/e2e-topology`), measured, and deleted again. Meant for a throw-away control plane:
 * set AICR_E2E_SKIP_NODES=1 against a cluster whose node list you do not want touched.
 * The time of the snapshot is printed as a test diagnostic (`# topology of 2000 nodes: …`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminKubeconfig, Api, cli, rnd, skipReason } from './real-cluster-helpers.js';

const NODES = 2000;
const MARK = 'aicr.nvidia.com/e2e-topology';

describe(
  `real cluster: NodeTopology over ${NODES} Node objects`,
  { skip: skipReason || (process.env.AICR_E2E_SKIP_NODES === '1' && 'AICR_E2E_SKIP_NODES=1') },
  () => {
    let dir: string;
    let admin: Api;
    const run = rnd();
    const deleteNodes = () =>
      admin.req('DELETE', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${MARK}=${run}`)}`);

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-topo-'));
      admin = await Api.load(adminKubeconfig!);
      let next = 0;
      const worker = async () => {
        while (next < NODES) {
          const i = next++;
          const gpu = i % 4 !== 0;
          await admin.ok('POST', '/api/v1/nodes', {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name: `e2e-${run}-node-${String(i).padStart(4, '0')}`,
              labels: {
                [MARK]: run,
                'kubernetes.io/os': 'linux',
                'topology.kubernetes.io/zone': `zone-${i % 3}`,
                ...(gpu ? { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'H100' } : {}),
              },
            },
            spec: gpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {},
          });
        }
      };
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 16 }, worker));
      console.log(`created ${NODES} Node objects in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });
    after(async () => {
      if (admin) await deleteNodes();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`snapshot --filter topology counts every node, labels and taints (time reported)`, async (t) => {
      const out = path.join(dir, 'topo.json');
      const t0 = Date.now();
      const r = await cli(
        adminKubeconfig!,
        ['snapshot', '--filter', 'topology', '-t', 'json', '-o', out],
        dir,
      );
      const secs = (Date.now() - t0) / 1000;
      assert.equal(r.code, 0, r.stderr);
      t.diagnostic(`topology of ${NODES} nodes: ${secs.toFixed(2)}s`);
      console.log(`topology of ${NODES} nodes: ${secs.toFixed(2)}s`);
      const snap = JSON.parse(readFileSync(out, 'utf8'));
      const topo = snap.measurements.find((m: { type: string }) => m.type === 'NodeTopology');
      const sub = (n: string) => topo.subtypes.find((s: { subtype: string }) => s.subtype === n).data;
      assert.ok(sub('summary')['node-count'] >= NODES, JSON.stringify(sub('summary')));
      const mark = String(sub('label')[MARK]);
      assert.equal(mark.split('|')[0], run);
      assert.equal(mark.split('|')[1]!.split(',').length, NODES);
      const taint = String(sub('taint')['nvidia.com/gpu']);
      assert.match(taint, /^NoSchedule\|present\|/);
      assert.equal(taint.split('|')[2]!.split(',').length, (NODES * 3) / 4);
      assert.ok(secs < 120, `took ${secs}s`);
    });

    it('--max-nodes-per-entry caps the node lists', async () => {
      const r = await cli(
        adminKubeconfig!,
        ['snapshot', '--filter', 'topology', '-t', 'json', '--max-nodes-per-entry', '5'],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const topo = JSON.parse(r.stdout).measurements.find((m: { type: string }) => m.type === 'NodeTopology');
      const label = topo.subtypes.find((s: { subtype: string }) => s.subtype === 'label').data;
      assert.match(String(label[MARK]), new RegExp(`\\(\\+${NODES - 5} more\\)$`));
    });
  },
);

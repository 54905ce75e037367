/**
 * Fleet snapshots (`aicr snapshot --deploy-agent --nodes|--all-gpu-nodes|--node-selector --workers N`)
 * against a REAL API server, Job controller and RBAC (`npm run test:cluster`; skipped unless
 * AICR_E2E_KUBECONFIG is set). The test creates Node objects and plays the kubelet for every agent pod:
 * it writes the snapshot ConfigMap the pod's --output names and sets the pod's final status, so the real
 * Job controller completes or fails each Job. The scale run uses AICR_E2E_FLEET_NODES nodes (default 40,
 * so the suite's other files, which run beside this one, are not starved of the controller manager's
 * API budget; set 200 to measure what docs/diff.md reports) with --workers 20.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { adminKubeconfig, Api, cli, finishAgentPod, rnd, skipReason } from './real-cluster-helpers.js';

const snapshotFor = (node: string, driver: string) => `apiVersion: aicr.nvidia.com/v1alpha1
kind: Snapshot
metadata:
  source-node: ${node}
  timestamp: "${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}"
measurements:
  - type: GPU
    subtypes:
      - subtype: smi
        data:
          driver: "${driver}"
          gpu-count: 8
          gpu.0.uuid: GPU-${node}
  - type: OS
    subtypes:
      - subtype: release
        data:
          ID: ubuntu
          VERSION_ID: "24.04"
`;

/**
 * Plays the kubelet of every node for the agent pods in `ns` until stopped: `behave(node)` says what
 * the "container" does (exit code, driver version reported).
 */
function kubelet(api: Api, ns: string, behave: (node: string) => { exitCode: number; driver?: string }) {
  let running = true;
  const handled = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const playOne = async (pod: any) => {
    const node: string = pod.spec.nodeName;
    const b = behave(node);
    await finishAgentPod(api, ns, pod, {
      exitCode: b.exitCode,
      snapshot: b.exitCode === 0 ? snapshotFor(node, b.driver ?? '570.86.15') : undefined,
    });
  };
  const loop = (async () => {
    while (running) {
      const a = await api.req(
        'GET',
        `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/component=snapshot-agent')}`,
      );
      for (const pod of a.json?.items ?? []) {
        if (
          handled.has(pod.metadata.uid) ||
          pod.status?.phase !== 'Pending' ||
          pod.metadata.deletionTimestamp
        )
          continue;
        handled.add(pod.metadata.uid);
        const p = playOne(pod)
          .catch(() => {
            handled.delete(pod.metadata.uid);
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(inFlight);
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    handled,
  };
}

const SCALE = Number(process.env.AICR_E2E_FLEET_NODES || 40);

describe('real cluster: fleet snapshots through the built CLI', { skip: skipReason }, () => {
  let dir: string;
  let admin: Api;
  const run = rnd();
  const nodes: string[] = [];
  const namespaces: string[] = [];
  const newNamespace = async () => {
    const ns = `aicr-e2e-fleet-${rnd()}`;
    namespaces.push(ns);
    await admin.createNamespace(ns);
    return ns;
  };
  const createNodes = async (group: string, n: number, gpu: boolean) => {
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(`fleet-${run}-${group}-${String(i).padStart(3, '0')}`);
    await Promise.all(
      names.map(async (name) => {
        await admin.ok('POST', '/api/v1/nodes', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels: { 'aicr.nvidia.com/e2e-fleet': `${run}-${group}` } },
        });
        if (gpu) {
          await admin.ok(
            'PATCH',
            `/api/v1/nodes/${name}/status`,
            { status: { capacity: { 'nvidia.com/gpu': '8' }, allocatable: { 'nvidia.com/gpu': '8' } } },
            'application/merge-patch+json',
          );
        }
      }),
    );
    nodes.push(...names);
    return names;
  };
  const fleetArgs = (ns: string, extra: string[]) => [
    'snapshot',
    '--deploy-agent',
    '-n',
    ns,
    '--image',
    'registry.invalid/aicr:e2e',
    '--timeout',
    '2m',
    ...extra,
  ];
  const leftovers = async (ns: string) => {
    const jobs = await admin.ok('GET', `/apis/batch/v1/namespaces/${ns}/jobs`);
    return [
      ...jobs.json.items.map((j: any) => `Job/${j.metadata.name}`),
      ...(await admin.agentLeftovers(ns)),
    ];
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-fleet-'));
    admin = await Api.load(adminKubeconfig!);
  });
  after(async () => {
    for (const ns of namespaces) await admin?.deleteNamespace(ns);
    for (const n of nodes) await admin?.req('DELETE', `/api/v1/nodes/${n}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--nodes FILE: one snapshot per node, a FleetReport with majority, deviations and failed nodes; exit 10', async () => {
    const ns = await newNamespace();
    const names = await createNodes('a', 5, true);
    const list = path.join(dir, 'nodes.txt');
    writeFileSync(list, `# audit\n${names.join('\n')}\nno-such-node-${run}\n`);
    const k = kubelet(admin, ns, (node) =>
      node === names[1]
        ? { exitCode: 3 }
        : { exitCode: 0, driver: node === names[4] ? '580.65.06' : '570.86.15' },
    );
    const out = path.join(dir, 'fleet-a');
    const r = await cli(adminKubeconfig!, fleetArgs(ns, ['--nodes', list, '--workers', '2', '-o', out]), dir);
    await k.stop();
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /6\/6 nodes done, 2 failed/);
    const files = readdirSync(out).sort();
    assert.deepEqual(
      files,
      [...[names[0], names[2], names[3], names[4]].map((n) => `${n}.yaml`), 'fleet-report.yaml'].sort(),
    );
    assert.equal(
      parse(readFileSync(path.join(out, `${names[4]}.yaml`), 'utf8')).metadata['source-node'],
      names[4],
    );
    const report = parse(readFileSync(path.join(out, 'fleet-report.yaml'), 'utf8'));
    assert.equal(report.kind, 'FleetReport');
    assert.equal(report.nodeCount, 6);
    assert.equal(report.succeeded, 4);
    assert.deepEqual(
      report.failedNodes.map((f: { node: string }) => f.node).sort(),
      [names[1], `no-such-node-${run}`].sort(),
    );
    const reasons = Object.fromEntries(
      report.failedNodes.map((f: { node: string; reason: string }) => [f.node, f.reason]),
    );
    assert.match(reasons[names[1]], /agent exited with code 3/);
    assert.match(reasons[`no-such-node-${run}`], /node not found/);
    const drv = report.deviations.find((d: { path: string }) => d.path === 'GPU.smi.driver');
    assert.deepEqual(drv, {
      path: 'GPU.smi.driver',
      majority: '570.86.15',
      count: 3,
      nodes: [{ node: names[4], value: '580.65.06' }],
    });
    assert.ok(report.noMajority.some((x: { path: string }) => x.path === 'GPU.smi.gpu.0.uuid'));
    assert.deepEqual(await leftovers(ns), []);

    // diff: a node against the fleet majority, and two fleet reports.
    const d = await cli(
      adminKubeconfig!,
      ['diff', path.join(out, `${names[4]}.yaml`), path.join(out, 'fleet-report.yaml'), '--format', 'json'],
      dir,
    );
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(JSON.parse(d.stdout).changes, [
      { path: 'GPU.smi.driver', change: 'changed', old: '580.65.06', new: '570.86.15' },
      { path: 'GPU.smi.gpu.0.uuid', change: 'removed', old: `GPU-${names[4]}` },
    ]);
    const same = await cli(
      adminKubeconfig!,
      ['diff', path.join(out, 'fleet-report.yaml'), path.join(out, 'fleet-report.yaml'), '--exit-code'],
      dir,
    );
    assert.equal(same.code, 0, same.stderr);
  });

  it(`${SCALE} nodes, --node-selector, --workers 20, results in ConfigMaps: wall time measured`, async () => {
    const ns = await newNamespace();
    await createNodes('b', SCALE, false);
    const k = kubelet(admin, ns, () => ({ exitCode: 0 }));
    const started = Date.now();
    const r = await cli(
      adminKubeconfig!,
      fleetArgs(ns, [
        '--node-selector',
        `aicr.nvidia.com/e2e-fleet=${run}-b`,
        '--workers',
        '20',
        '-o',
        `cm://${ns}/fleet`,
      ]),
      dir,
      10 * 60_000,
    );
    const seconds = (Date.now() - started) / 1000;
    await k.stop();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${SCALE}/${SCALE} nodes done, 0 failed`));
    console.log(`# fleet: ${SCALE} nodes with --workers 20 in ${seconds.toFixed(1)} s`);
    const cm = await admin.configMap(ns, 'fleet-fleet-report');
    assert.equal(cm.status, 200);
    const report = parse(cm.json.data['fleet.yaml']);
    assert.equal(report.nodeCount, SCALE);
    assert.equal(report.succeeded, SCALE);
    assert.deepEqual(report.deviations, []);
    assert.equal(
      (await admin.configMap(ns, `fleet-fleet-${run}-b-${String(SCALE - 1).padStart(3, '0')}`)).status,
      200,
    );
    assert.deepEqual(await leftovers(ns), []);
  });
});

// The snapshot agent deployment against the fake API server and its simulated Job controller.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { exitCodeFor, formatError } from '../../src/errors/index.js';
import { Logger, setLogger } from '../../src/logging/logger.js';
import { runSnapshotAgent } from '../../src/k8s/agent/index.js';
import type { AgentRunOptions } from '../../src/k8s/agent/types.js';
import { InterruptedError } from '../../src/k8s/call.js';
import type { AgentConfig } from '../../src/k8s/agent-manifests.js';
import { Progress } from '../../src/k8s/progress.js';
import { ClusterSim, type JobControl } from './cluster-sim.js';
import { FakeKubeApiServer } from './fake-api-server.js';

const SNAPSHOT = 'kind: Snapshot\napiVersion: aicr.nvidia.com/v1alpha1\nmeasurements: []\n';

function cfg(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    namespace: 'gpu',
    jobName: 'aicr',
    serviceAccountName: 'aicr',
    image: 'ghcr.io/nvidia/aicr:latest',
    imagePullSecrets: [],
    nodeSelector: {},
    privileged: true,
    requireGpu: false,
    output: 'cm://gpu/aicr-snapshot',
    debug: false,
    maxNodesPerEntry: 0,
    timeoutMs: 10_000,
    ...over,
  };
}

/** What a working agent does: runs, logs, writes its ConfigMap, exits 0. */
function agentWrites(server: FakeKubeApiServer, output = { ns: 'gpu', name: 'aicr-snapshot' }) {
  return (ctl: JobControl) => {
    ctl.schedule('gpu-node-7');
    ctl.start();
    ctl.log('[agent] collecting snapshot\n');
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: output.name, namespace: output.ns },
      data: { 'snapshot.yaml': SNAPSHOT, format: 'yaml' },
    });
    ctl.log('[agent] snapshot written\n');
    ctl.succeed();
  };
}

async function failure(p: Promise<unknown>): Promise<{ err: unknown; exit: number; text: string }> {
  try {
    await p;
  } catch (err) {
    return { err, exit: exitCodeFor(err), text: formatError(err) };
  }
  assert.fail('expected a failure');
}

const AGENT_KINDS: [string, string, boolean][] = [
  ['v1', 'ServiceAccount', true],
  ['rbac.authorization.k8s.io/v1', 'Role', true],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', true],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', false],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
  ['batch/v1', 'Job', true],
];

function remaining(server: FakeKubeApiServer): string[] {
  return AGENT_KINDS.flatMap(([av, kind]) => server.list(av, kind).map((o) => `${kind}/${o.metadata?.name}`));
}

describe('snapshot agent', () => {
  let server: FakeKubeApiServer;
  let sim: ClusterSim;
  let dir: string;
  let kubeconfig: string;
  let out: string[];
  let logs: string[];
  let run: (c: AgentConfig, o?: AgentRunOptions) => ReturnType<typeof runSnapshotAgent>;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-agent-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    sim = new ClusterSim(server);
    kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
    out = [];
    logs = [];
    setLogger(new Logger({ mode: 'cli', level: 'info', version: 'test', write: (l) => logs.push(l) }));
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out.push(String(chunk));
        cb();
      },
    });
    run = (c, o = {}) =>
      runSnapshotAgent(c, {
        kubeconfig,
        pollMs: 20,
        progress: new Progress({ out: sink, tty: false }),
        ...o,
      });
  });
  afterEach(() => server.close());

  it('deploys RBAC and the Job, streams the logs, reads the snapshot back and cleans up', async () => {
    sim.onJob(agentWrites(server));
    const res = await run(cfg());
    assert.equal(res.text, SNAPSHOT);
    assert.equal(res.format, 'yaml');
    assert.equal(res.uri, 'cm://gpu/aicr-snapshot');
    assert.equal(res.node, 'gpu-node-7');
    // what was created, in order
    const posts = server.requests.filter((r) => r.method === 'POST' && !r.path.includes('accessreview'));
    assert.deepEqual(
      posts.map((r) => `${r.path} ${r.status}`),
      [
        '/api/v1/namespaces 201',
        '/api/v1/namespaces/gpu/serviceaccounts 201',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/gpu/roles 201',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/gpu/rolebindings 201',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles 201',
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings 201',
        '/apis/batch/v1/namespaces/gpu/jobs 201',
      ],
    );
    const job = sim.jobsCreated[0] as Record<string, any>;
    assert.deepEqual(job.spec.template.spec.containers[0].args, [
      'snapshot',
      '--output',
      'cm://gpu/aicr-snapshot',
    ]);
    // logs streamed once each, in order
    const text = out.join('');
    assert.equal(text, '[agent] collecting snapshot\n[agent] snapshot written\n');
    // everything removed again; the result ConfigMap stays
    assert.deepEqual(remaining(server), []);
    assert.ok(server.get('v1', 'ConfigMap', 'aicr-snapshot', 'gpu'));
    assert.ok(logs.some((l) => l.includes('removed the agent Job and RBAC objects')));
  });

  it('shows progress and streams log lines while the agent runs', async () => {
    sim.onJob(async (ctl) => {
      ctl.waiting('ContainerCreating');
      await new Promise((r) => setTimeout(r, 60));
      ctl.schedule('gpu-node-2');
      ctl.start();
      for (let i = 1; i <= 3; i++) {
        ctl.log(`[agent] step ${i}\n`);
        await new Promise((r) => setTimeout(r, 50));
      }
      agentWrites(server)(ctl);
    });
    await run(cfg());
    assert.equal(
      out.join(''),
      '[agent] step 1\n[agent] step 2\n[agent] step 3\n[agent] collecting snapshot\n[agent] snapshot written\n',
    );
    assert.ok(
      logs.some((l) => /agent pod aicr-\w+: Pending: ContainerCreating/.test(l)),
      logs.join(''),
    );
    assert.ok(
      logs.some((l) => /agent pod aicr-\w+: Running on node gpu-node-2/.test(l)),
      logs.join(''),
    );
  });

  it('a failed agent: its exit code becomes ours, its logs are printed, everything is cleaned up', async () => {
    // The first (follow) log request fails, so the logs were not streamed and are printed in full.
    server.failOn({ method: 'GET', path: /\/pods\/[^/]+\/log$/, status: 500, times: 1 });
    sim.onJob((ctl) => {
      ctl.start();
      ctl.log('[agent] --require-gpu was set but no GPU was detected\n');
      ctl.fail(3);
    });
    const f = await failure(run(cfg({ requireGpu: true })));
    assert.equal(f.exit, 3);
    assert.match(
      f.text,
      /snapshot agent Job gpu\/aicr failed \(BackoffLimitExceeded: .*\); container aicr exited with code 3/,
    );
    assert.equal(
      out.join(''),
      '--- agent logs ---\n[agent] --require-gpu was set but no GPU was detected\n--- end logs ---\n',
    );
    assert.deepEqual(remaining(server), []);
  });

  it('streamed logs are not printed twice on failure; an unexpected exit is 8', async () => {
    sim.onJob((ctl) => {
      ctl.start();
      ctl.log('[agent] boom\n');
      ctl.fail(137, { reason: 'BackoffLimitExceeded' });
    });
    const f = await failure(run(cfg()));
    assert.equal(f.exit, 8);
    assert.equal(out.join(''), '[agent] boom\n');
  });

  it('Job deadline exceeded → exit 5', async () => {
    sim.onJob((ctl) =>
      ctl.fail(143, { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }),
    );
    const f = await failure(run(cfg()));
    assert.equal(f.exit, 5);
    assert.match(f.text, /DeadlineExceeded/);
  });

  it('timeout → exit 5 naming the pod state, and cleanup', async () => {
    sim.onJob((ctl) => {
      ctl.schedule('gpu-node-1');
      ctl.waiting('ImagePullBackOff', 'Back-off pulling image "ghcr.io/nvidia/aicr:typo"');
    });
    const started = Date.now();
    const f = await failure(run(cfg({ timeoutMs: 400 })));
    assert.ok(Date.now() - started < 5000);
    assert.equal(f.exit, 5);
    assert.match(f.text, /did not complete within 400ms \(agent pod aicr-\w+: Pending: ImagePullBackOff/);
    assert.ok(logs.some((l) => l.includes('cannot start its container')));
    assert.deepEqual(remaining(server), []);
  });

  it('pre-flight: every missing permission is listed and nothing is created (exit 4)', async () => {
    sim.deny({ verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
    sim.deny({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'gpu' });
    sim.deny({ verb: 'list', resource: 'nodes' });
    sim.deny({ verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
    const f = await failure(run(cfg()));
    assert.equal(f.exit, 4);
    assert.match(f.text, /insufficient permissions to deploy the snapshot agent/);
    assert.match(f.text, / {2}- create clusterroles\.rbac\.authorization\.k8s\.io \(cluster-scoped\)/);
    assert.match(f.text, / {2}- get pods\/log \(namespace "gpu"\)/);
    assert.match(f.text, / {2}- list nodes \(cluster-scoped\)/);
    assert.equal(
      server.requests.filter((r) => r.method === 'POST' && !r.path.includes('accessreview')).length,
      0,
    );
  });

  it('pre-flight: escalate on clusterroles covers the permissions the agent is granted', async () => {
    sim.deny({ verb: 'list', resource: 'nodes' });
    sim.onJob(agentWrites(server));
    await run(cfg());
  });

  it('API server unreachable → exit 6, naming the server', async () => {
    const dead = path.join(dir, 'dead');
    writeFileSync(
      dead,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const f = await failure(run(cfg(), { kubeconfig: dead }));
    assert.equal(f.exit, 6);
    assert.match(f.text, /cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1/);
  });

  it('interrupted (Ctrl-C) while waiting: stops and still cleans up', async () => {
    const ac = new AbortController();
    sim.onJob((ctl) => {
      ctl.schedule();
      ctl.start();
      setTimeout(() => ac.abort(), 100);
    });
    const f = await failure(run(cfg(), { signal: ac.signal }));
    assert.ok(f.err instanceof InterruptedError, f.text);
    assert.deepEqual(remaining(server), []);
  });

  it('--no-cleanup leaves the Job and RBAC objects', async () => {
    sim.onJob(agentWrites(server));
    await run(cfg(), { cleanup: false });
    assert.deepEqual(remaining(server).sort(), [
      'ClusterRole/aicr-node-reader-gpu-aicr',
      'ClusterRoleBinding/aicr-node-reader-gpu-aicr',
      'Job/aicr',
      'Role/aicr',
      'RoleBinding/aicr',
      'ServiceAccount/aicr',
    ]);
    assert.ok(logs.some((l) => l.includes('--no-cleanup')));
  });

  it('re-deploy: existing RBAC is updated and the previous Job is deleted and waited for', async () => {
    sim.onJob(agentWrites(server));
    await run(cfg(), { cleanup: false });
    const sim2 = new ClusterSim(server, { foregroundDeletionMs: 150 });
    sim2.onJob(agentWrites(server));
    const before = server.requests.length;
    await run(cfg());
    const reqs = server.requests.slice(before).filter((r) => !r.path.includes('accessreview'));
    assert.ok(reqs.some((r) => r.method === 'PUT' && r.path.endsWith('/roles/aicr') && r.status === 200));
    assert.ok(
      reqs.some((r) => r.method === 'PUT' && r.path.endsWith('/clusterroles/aicr-node-reader-gpu-aicr')),
    );
    const del = reqs.findIndex((r) => r.method === 'DELETE' && r.path.endsWith('/jobs/aicr'));
    const create = reqs.findIndex((r) => r.method === 'POST' && r.path.endsWith('/jobs'));
    assert.ok(del >= 0 && create > del);
    // the old Job was polled until it was gone
    assert.ok(reqs.slice(del, create).some((r) => r.method === 'GET' && r.status === 404));
    assert.equal(sim2.jobsCreated.length, 1);
    assert.deepEqual(remaining(server), []);
  });

  it('--runtime-class naming a missing RuntimeClass → exit 3 before deploying', async () => {
    const f = await failure(run(cfg({ runtimeClass: 'nvidia' })));
    assert.equal(f.exit, 3);
    assert.match(f.text, /RuntimeClass "nvidia" .* not found/);
    assert.equal(sim.jobsCreated.length, 0);
    server.put({
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'nvidia' },
      handler: 'nvidia',
    });
    sim.onJob(agentWrites(server));
    await run(cfg({ runtimeClass: 'nvidia' }));
    assert.equal((sim.jobsCreated[0] as Record<string, any>).spec.template.spec.runtimeClassName, 'nvidia');
  });

  it('agent finished without writing its ConfigMap → exit 3', async () => {
    sim.onJob((ctl) => {
      ctl.start();
      ctl.succeed();
    });
    const f = await failure(run(cfg()));
    assert.equal(f.exit, 3);
    assert.match(f.text, /ConfigMap gpu\/aicr-snapshot not found/);
  });
});

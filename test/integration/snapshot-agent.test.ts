/**
 * `aicr snapshot --deploy-agent` end to end: the built CLI deploys the agent on the fake API server; the
 * simulated Job controller runs the Job's container command for real (the built CLI again, with the
 * container's args and env, `AICR_AGENT_MODE=true`), whose output becomes the pod log and whose exit
 * status becomes the container's. Then the seed's ConfigMap flow across commands.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';
import { ClusterSim, runAgentProcess } from '../k8s/cluster-sim.js';
import { CLUSTER_POLICY_RESOURCE, FakeKubeApiServer } from '../k8s/fake-api-server.js';
import { makeClusterPolicy, makeNode, makePod } from '../k8s/objects.js';

type Any = Record<string, any>;

const AGENT_KINDS: [string, string][] = [
  ['v1', 'ServiceAccount'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['batch/v1', 'Job'],
];

describe('aicr snapshot --deploy-agent (built CLI, fake API server)', () => {
  let server: FakeKubeApiServer;
  let sim: ClusterSim;
  let dir: string;
  let kc: string;
  /** A PATH without nvidia-smi or systemctl: the agent's GPU and SystemD measurements are empty. */
  let agentPath: string;
  const remaining = () =>
    AGENT_KINDS.flatMap(([av, kind]) => server.list(av, kind).map((o) => `${kind}/${o.metadata?.name}`));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, '--kubeconfig', kc], { env: { AICR_K8S_REQUEST_TIMEOUT: '5s', ...env }, cwd: dir });
  const realAgent = () =>
    sim.onJob((ctl) =>
      runAgentProcess(ctl, { cliPath, kubeconfig: kc, node: 'gpu-node-1', env: { PATH: agentPath } }),
    );

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-agent-e2e-'));
    agentPath = path.dirname(process.execPath);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ version: { gitVersion: 'v1.33.5-eks-3025e55', minor: '33+' } });
    server.defineResource(CLUSTER_POLICY_RESOURCE);
    server.put(
      makeNode('gpu-node-1', {
        labels: { 'nvidia.com/gpu.present': 'true' },
        providerID: 'aws:///us-east-1a/i-0abc',
      }),
      makeNode('cpu-node-1'),
      makePod('gpu-operator', 'nvidia-driver-daemonset-abcde'),
      makeClusterPolicy('cluster-policy', { driver: { version: '570.86.15' } }),
    );
    sim = new ClusterSim(server);
    kc = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  afterEach(() => server.close());

  it('happy path: the agent runs on a node, its logs stream, the snapshot is written in the requested format', async () => {
    realAgent();
    const out = path.join(dir, 'snap.json');
    const r = await cli([
      'snapshot',
      '--deploy-agent',
      '-n',
      'gpu',
      '-o',
      out,
      '-t',
      'json',
      '--node-selector',
      'nvidia.com/gpu.present=true',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const snap = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(snap.kind, 'Snapshot');
    assert.equal(snap.metadata['source-node'], 'gpu-node-1');
    const types = snap.measurements.map((m: Any) => m.type);
    assert.ok(types.includes('K8s') && types.includes('NodeTopology'), types.join(','));
    const k8s = snap.measurements.find((m: Any) => m.type === 'K8s');
    // the agent read its own Node object: it ran on gpu-node-1, an EKS node
    assert.equal(k8s.subtypes.find((s: Any) => s.subtype === 'node').data.provider, 'eks');
    // the agent's log lines were streamed to our stderr
    assert.match(r.stderr, /\[agent\] snapshot completed/);
    assert.match(r.stderr, /agent pod aicr-\w+: Running on node gpu-node-1/);
    // the Job ran what the issue says, scheduled as asked
    const job = sim.jobsCreated[0] as Any;
    assert.deepEqual(job.spec.template.spec.containers[0].args, [
      'snapshot',
      '--output',
      'cm://gpu/aicr-snapshot',
    ]);
    assert.deepEqual(job.spec.template.spec.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    // the agent's ConfigMap stays, everything else is cleaned up
    const cm = server.get('v1', 'ConfigMap', 'aicr-snapshot', 'gpu') as Any;
    assert.equal(cm.data.format, 'yaml');
    assert.equal(parse(cm.data['snapshot.yaml']).kind, 'Snapshot');
    assert.equal(cm.metadata.labels['app.kubernetes.io/component'], 'snapshot');
    assert.deepEqual(remaining(), []);
  });

  it('the seed flow: snapshot → cm:// → recipe → cm:// → validate and bundle, via the agent and locally', async () => {
    realAgent();
    const s = await cli(['snapshot', '--deploy-agent', '-n', 'gpu', '-o', 'cm://gpu/snap']);
    assert.equal(s.code, 0, s.stderr);
    const cm = server.get('v1', 'ConfigMap', 'snap', 'gpu') as Any;
    assert.equal(parse(cm.data['snapshot.yaml']).metadata['source-node'], 'gpu-node-1');
    assert.equal(
      server.get('v1', 'ConfigMap', 'aicr-snapshot', 'gpu'),
      undefined,
      'agent wrote straight to cm://gpu/snap',
    );

    const rcp = await cli(['recipe', '-s', 'cm://gpu/snap', '--intent', 'training', '-o', 'cm://gpu/recipe']);
    assert.equal(rcp.code, 0, rcp.stderr);
    const recipe = parse((server.get('v1', 'ConfigMap', 'recipe', 'gpu') as Any).data['recipe.yaml']);
    assert.equal(recipe.kind, 'RecipeResult');
    assert.equal(recipe.criteria.service, 'eks');

    const v = await cli([
      'validate',
      '-r',
      'cm://gpu/recipe',
      '-s',
      'cm://gpu/snap',
      '-o',
      'cm://gpu/validation',
      '--fail-on-error=false',
    ]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(
      parse((server.get('v1', 'ConfigMap', 'validation', 'gpu') as Any).data['validation.yaml']).kind,
      'ValidationResult',
    );

    // bundle -r cm://… -o ./bundles (the seed's last step)
    const b = await cli(['bundle', '-r', 'cm://gpu/recipe', '-o', 'bundles']);
    assert.equal(b.code, 0, b.stderr);
    const files = readdirSync(path.join(dir, 'bundles'), { recursive: true }).map(String);
    assert.ok(files.includes('README.md'), files.join(','));
    assert.ok(
      files.some((f) => f.startsWith(`${recipe.componentRefs[0].name}${path.sep}`)),
      files.join(','),
    );

    // The same first step without the agent: collected here, written to the ConfigMap.
    const local = await cli(['snapshot', '--filter', 'k8s,topology', '-o', 'cm://gpu/local-snap']);
    assert.equal(local.code, 0, local.stderr);
    const again = await cli(['recipe', '-s', 'cm://gpu/local-snap', '--intent', 'training']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(parse(again.stdout).criteria.service, 'eks');
  });

  it('job failure: the agent exit code becomes ours, its logs are shown, everything is cleaned up', async () => {
    realAgent();
    const r = await cli(['snapshot', '--deploy-agent', '-n', 'gpu', '--require-gpu']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\[agent\].*--require-gpu was set but no GPU was detected/);
    assert.match(r.stderr, /snapshot agent Job gpu\/aicr failed .*exited with code 3/);
    assert.equal(r.stdout, '');
    assert.deepEqual(remaining(), []);
    // the GPU limit was requested from the scheduler
    assert.equal(
      (sim.jobsCreated[0] as Any).spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'],
      '1',
    );
  });

  it('timeout: exit 5 naming the pod state; cleaned up', async () => {
    sim.onJob((ctl) => {
      ctl.schedule('gpu-node-1');
      ctl.waiting('ErrImagePull', 'manifest unknown');
    });
    const r = await cli([
      'snapshot',
      '--deploy-agent',
      '-n',
      'gpu',
      '--timeout',
      '2s',
      '--image',
      'registry.example/aicr:nope',
    ]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      r.stderr,
      /did not complete within 2s \(agent pod aicr-\w+: Pending: ErrImagePull - manifest unknown/,
    );
    assert.deepEqual(remaining(), []);
  });

  it('forbidden pre-flight: exit 4 listing every missing permission; nothing created', async () => {
    sim.deny({ verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' });
    sim.deny({ verb: 'create', group: 'batch', resource: 'jobs', namespace: 'gpu' });
    const r = await cli(['snapshot', '--deploy-agent', '-n', 'gpu']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /- create jobs\.batch \(namespace "gpu"\)/);
    assert.match(r.stderr, /- create clusterrolebindings\.rbac\.authorization\.k8s\.io \(cluster-scoped\)/);
    assert.match(r.stderr, /--print-manifests/);
    assert.deepEqual(remaining(), []);
    assert.equal(sim.jobsCreated.length, 0);
  });

  it('API server unreachable: exit 6 naming the server', async () => {
    const port = server.port;
    await server.close();
    const r = await cli(['snapshot', '--deploy-agent']);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach Kubernetes API server https://127\\.0\\.0\\.1:${port}`));
    server = await FakeKubeApiServer.start();
  });

  it('cleanup after Ctrl-C: exit 130 and no agent objects left', async () => {
    sim.onJob((ctl) => {
      ctl.schedule();
      ctl.start();
      ctl.log('[agent] working\n');
    });
    const child = spawn(
      process.execPath,
      [cliPath, 'snapshot', '--deploy-agent', '-n', 'gpu', '--kubeconfig', kc],
      {
        env: { ...process.env, KUBECONFIG: '', AICR_DEBUG: '', AICR_LOG_JSON: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const until = Date.now() + 30_000;
    while (!stderr.includes('[agent] working') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(server.list('batch/v1', 'Job', 'gpu').length === 1, stderr);
    child.kill('SIGINT');
    assert.equal(await code, 130, stderr);
    assert.match(stderr, /interrupted/);
    assert.deepEqual(remaining(), []);
  });

  it('--no-cleanup keeps the objects; --print-manifests writes them without touching the cluster', async () => {
    realAgent();
    const r = await cli([
      'snapshot',
      '--deploy-agent',
      '-n',
      'gpu',
      '--no-cleanup',
      '-o',
      path.join(dir, 's.yaml'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(remaining().length, 6);

    const before = server.requests.length;
    const file = path.join(dir, 'agent.yaml');
    const p = await cli(['snapshot', '--print-manifests', '-n', 'team-a', '--privileged=false', '-o', file]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(server.requests.length, before);
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      [
        'Namespace/team-a',
        'ServiceAccount/aicr',
        'Role/aicr',
        'RoleBinding/aicr',
        'ClusterRole/aicr-node-reader-team-a-aicr',
        'ClusterRoleBinding/aicr-node-reader-team-a-aicr',
        'Job/aicr',
      ],
    );
    assert.equal(docs[6].spec.template.spec.securityContext.runAsNonRoot, true);
  });

  it('a running Job of the same name belongs to another run: exit 6, and nothing of it is touched', async () => {
    const [other] = server.put({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'aicr',
        namespace: 'gpu',
        uid: 'other-run-uid',
        labels: { 'app.kubernetes.io/name': 'aicr' },
      },
      spec: { template: { spec: { containers: [] } } },
      status: { active: 1 },
    });
    const before = server.requests.length;
    const r = await cli(['snapshot', '--deploy-agent', '-n', 'gpu', '--timeout', '30s']);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /another snapshot run is active: Job gpu\/aicr/);
    const jobs = server.list('batch/v1', 'Job');
    assert.deepEqual(
      jobs.map((j) => j.metadata?.uid),
      [other!.metadata?.uid],
    );
    // Only reads: no create, update or delete of anything.
    const writes = server.requests
      .slice(before)
      .filter((q) => q.method !== 'GET' && !/selfsubjectaccessreviews/.test(q.path))
      .map((q) => `${q.method} ${q.path}`);
    assert.deepEqual(writes, []);
  });

  it('invalid agent flags fail with exit 2 before any request', async () => {
    for (const args of [
      ['--toleration', 'k=v:Sometimes'],
      ['--node-selector', 'novalue'],
      ['--timeout', '5'],
      ['--require-gpu', '--runtime-class', 'nvidia'],
      ['--job-name', 'Bad_Name'],
    ]) {
      const r = await cli(['snapshot', '--deploy-agent', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(server.requests.length, 0);
  });
});

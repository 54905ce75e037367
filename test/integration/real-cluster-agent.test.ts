/**
 * `aicr snapshot --deploy-agent` / `--print-manifests` against a REAL Kubernetes API server, Job
 * controller, RBAC and Pod Security admission (`npm run test:cluster`; skipped with the reason printed
 * unless AICR_E2E_KUBECONFIG is set). The test plays the node: the agent pod is pinned to a node label
 * no node has, and `playNode` writes the result ConfigMap and sets the pod's final status, so the real
 * Job controller completes or fails the Job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  adminKubeconfig,
  agentImage,
  Api,
  cli,
  hasCommand,
  NO_NODE_SELECTOR,
  playNode,
  rnd,
  run,
  skipReason,
  spawnCli,
  waitFor,
} from './real-cluster-helpers.js';

const SNAPSHOT = `apiVersion: aicr.nvidia.com/v1alpha1
kind: Snapshot
metadata:
  source-node: e2e-node-1
  version: v0.0.0-e2e
measurements:
  - type: OS
    subtypes:
      - subtype: release
        data:
          ID: ubuntu
          VERSION_ID: "24.04"
`;

describe('real cluster: snapshot agent through the built CLI', { skip: skipReason }, () => {
  let dir: string;
  let admin: Api;
  const namespaces: string[] = [];
  const newNamespace = async (labels: Record<string, string> = {}) => {
    const ns = `aicr-e2e-agent-${rnd()}`;
    namespaces.push(ns);
    await admin.createNamespace(ns, labels);
    return ns;
  };
  const agent = (ns: string, extra: string[] = []) => [
    'snapshot',
    '--deploy-agent',
    '-n',
    ns,
    '--image',
    'registry.invalid/aicr:e2e',
    '--node-selector',
    NO_NODE_SELECTOR,
    ...extra,
  ];
  const start = (args: string[]) => spawnCli([...args, '--kubeconfig', adminKubeconfig!], dir);
  const jobUid = (ns: string, name = 'aicr') =>
    waitFor(`Job ${ns}/${name}`, async () => {
      const a = await admin.req('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
      return a.status === 200 ? (a.json.metadata.uid as string) : undefined;
    });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-agent-'));
    admin = await Api.load(adminKubeconfig!);
  });
  after(async () => {
    for (const ns of namespaces) await admin?.deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('success: the Job completes, the snapshot is read back and written as JSON, Job and RBAC are removed', async () => {
    const ns = await newNamespace();
    const out = path.join(dir, 'agent.json');
    const { done } = start(agent(ns, ['-o', out, '-t', 'json', '--timeout', '3m']));
    await playNode(admin, ns, 'aicr', { exitCode: 0, snapshot: SNAPSHOT });
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const snap = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(snap.kind, 'Snapshot');
    assert.equal(snap.metadata['source-node'], 'e2e-node-1');
    assert.deepEqual(await admin.agentLeftovers(ns), []);
    // The result ConfigMap stays.
    assert.equal((await admin.configMap(ns, 'aicr-snapshot')).status, 200);
  });

  it('failure: the agent exit code becomes ours (3), its logs (HTTP 204, none) are not "cannot reach", cleanup runs', async () => {
    const ns = await newNamespace();
    const { done } = start(agent(ns, ['--timeout', '3m']));
    await playNode(admin, ns, 'aicr', { exitCode: 3 });
    const r = await done;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /snapshot agent Job .*\/aicr failed/);
    assert.match(r.stderr, /exited with code 3/);
    assert.doesNotMatch(r.stderr, /cannot reach|Cannot parse content/, r.stderr);
    assert.deepEqual(await admin.agentLeftovers(ns), []);
  });

  it('SIGINT while waiting: exit 130 and the Job and RBAC are removed', async () => {
    const ns = await newNamespace();
    const { child, done } = start(agent(ns, ['--timeout', '3m']));
    await jobUid(ns);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted/);
    assert.deepEqual(await admin.agentLeftovers(ns), []);
  });

  it('two runs with the same Job name: the second stops ("another snapshot run is active") and leaves the first alone', async () => {
    const ns = await newNamespace();
    const out = path.join(dir, 'first.yaml');
    const first = start(agent(ns, ['-o', out, '--timeout', '3m']));
    const uid = await jobUid(ns);
    const second = await cli(adminKubeconfig!, agent(ns, ['--timeout', '3m']), dir);
    assert.equal(second.code, 6, second.stderr);
    assert.match(second.stderr, new RegExp(`another snapshot run is active: Job ${ns}/aicr`));
    // The first run's Job and RBAC are untouched …
    assert.equal(await jobUid(ns), uid);
    assert.deepEqual((await admin.agentLeftovers(ns)).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'Job/aicr',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    // … and it completes normally.
    await playNode(admin, ns, 'aicr', { exitCode: 0, snapshot: SNAPSHOT, jobUid: uid });
    const r = await first.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(out, 'utf8'), /kind: Snapshot/);
    assert.deepEqual(await admin.agentLeftovers(ns), []);
  });

  for (const level of ['baseline', 'restricted']) {
    it(`Pod Security "${level}": a privileged agent fails fast with the admission message and suggests --privileged=false`, async () => {
      const ns = await newNamespace({ 'pod-security.kubernetes.io/enforce': level });
      const t0 = Date.now();
      const r = await cli(adminKubeconfig!, agent(ns, ['--timeout', '3m']), dir);
      const secs = (Date.now() - t0) / 1000;
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /violates PodSecurity/);
      assert.match(r.stderr, /--privileged=false/);
      assert.ok(secs < 60, `took ${secs}s (the --timeout is 3m)`);
      assert.deepEqual(await admin.agentLeftovers(ns), []);
    });

    it(`Pod Security "${level}": the agent with --privileged=false is admitted and completes`, async () => {
      const ns = await newNamespace({ 'pod-security.kubernetes.io/enforce': level });
      const out = path.join(dir, `unprivileged-${level}.yaml`);
      const { done } = start(agent(ns, ['--privileged=false', '-o', out, '--timeout', '3m']));
      await playNode(admin, ns, 'aicr', { exitCode: 0, snapshot: SNAPSHOT });
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /PodSecurity/);
      assert.match(readFileSync(out, 'utf8'), /kind: Snapshot/);
    });
  }

  // Server-side dry-run cannot show this one: a namespace created in a dry run does not exist for the
  // next object of the same dry run (NamespaceLifecycle admission answers NotFound for every namespaced
  // object). So the stream is applied for real into a new namespace — the case that failed half-way
  // without the Namespace document — then checked with a server-side dry-run and deleted.
  it('--print-manifests: kubectl apply into a namespace that does not exist yet creates everything (then dry-run, delete)', async (t) => {
    if (!(await hasCommand('kubectl'))) return t.skip('kubectl is not installed');
    for (const extra of [[], ['--privileged=false']]) {
      const ns = `aicr-e2e-new-${rnd()}`;
      namespaces.push(ns);
      const file = path.join(dir, `${ns}.yaml`);
      const p = await cli(
        adminKubeconfig!,
        [
          'snapshot',
          '--print-manifests',
          '-n',
          ns,
          '--node-selector',
          NO_NODE_SELECTOR,
          '-o',
          file,
          ...extra,
        ],
        dir,
      );
      assert.equal(p.code, 0, p.stderr);
      const kinds = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS().kind);
      assert.deepEqual(kinds, [
        'Namespace',
        'ServiceAccount',
        'Role',
        'RoleBinding',
        'ClusterRole',
        'ClusterRoleBinding',
        'Job',
      ]);
      const kc = ['--kubeconfig', adminKubeconfig!];
      const k = await run('kubectl', ['apply', '-f', file, ...kc]);
      assert.equal(k.code, 0, `${k.stdout}\n${k.stderr}`);
      assert.equal((k.stdout.match(/ created$/gm) ?? []).length, 7, k.stdout);
      const d = await run('kubectl', ['apply', '--dry-run=server', '-f', file, ...kc]);
      assert.equal(d.code, 0, `${d.stdout}\n${d.stderr}`);
      assert.match(d.stdout, /job\.batch\/aicr (unchanged|configured) \(server dry run\)/);
      const del = await run('kubectl', ['delete', '-f', file, '--wait=false', ...kc]);
      assert.equal(del.code, 0, del.stderr);
    }
  });

  it(
    'a real node runs the agent image (AICR_E2E_IMAGE): snapshot collected, cleaned up',
    { skip: !agentImage && 'AICR_E2E_IMAGE is not set (needs a cluster with nodes that can pull it)' },
    async () => {
      const ns = await newNamespace();
      const out = path.join(dir, 'real-agent.json');
      const args = ['snapshot', '--deploy-agent', '-n', ns, '--image', agentImage!, '-o', out, '-t', 'json'];
      const r = await cli(adminKubeconfig!, [...args, '--timeout', '8m'], dir, 10 * 60_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(readFileSync(out, 'utf8')).kind, 'Snapshot');
      assert.deepEqual(await admin.agentLeftovers(ns), []);
    },
  );
});

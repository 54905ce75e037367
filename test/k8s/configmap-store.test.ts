// The Kubernetes ConfigMap store against the fake API server, through the real client library.
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { exitCodeFor, formatError } from '../../src/errors/index.js';
import { setConfigMapStoreFactory } from '../../src/io/configmap.js';
import { readSource } from '../../src/io/reader.js';
import { writeOutput } from '../../src/io/writer.js';
import { kubernetesConfigMapStore } from '../../src/k8s/configmap.js';
import { ClusterSim } from './cluster-sim.js';
import { FAKE_CA_CERT, FakeKubeApiServer } from './fake-api-server.js';

const ref = { namespace: 'gpu', name: 'snap' };
const labels = { 'app.kubernetes.io/name': 'aicr', 'app.kubernetes.io/component': 'snapshot' };

async function failure(p: Promise<unknown>): Promise<{ exit: number; text: string }> {
  try {
    await p;
  } catch (err) {
    return { exit: exitCodeFor(err), text: formatError(err) };
  }
  assert.fail('expected a failure');
}

describe('Kubernetes ConfigMap store', () => {
  let server: FakeKubeApiServer;
  let sim: ClusterSim;
  let dir: string;
  let kubeconfig: string;
  const store = kubernetesConfigMapStore({ requestTimeoutMs: 2000, backoffMs: () => 1 });

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-cm-'));
    // What src/cli/main.ts registers for the CLI.
    setConfigMapStoreFactory(async () => kubernetesConfigMapStore());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A fresh server per test: routes and faults never leak from one test into the next.
  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    sim = new ClusterSim(server);
    kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  afterEach(() => server.close());

  it('creates the ConfigMap when absent and reads it back', async () => {
    await store.write(
      ref,
      { data: { 'snapshot.yaml': 'kind: Snapshot\n', format: 'yaml' }, labels },
      { kubeconfig },
    );
    const cm = server.get('v1', 'ConfigMap', 'snap', 'gpu')!;
    assert.deepEqual(cm.data, { 'snapshot.yaml': 'kind: Snapshot\n', format: 'yaml' });
    assert.deepEqual(cm.metadata?.labels, labels);
    assert.deepEqual(await store.read(ref, { kubeconfig }), {
      'snapshot.yaml': 'kind: Snapshot\n',
      format: 'yaml',
    });
  });

  it('updates an existing ConfigMap keeping its other keys, labels and annotations', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu', labels: { team: 'infra' }, annotations: { note: 'keep' } },
      data: { 'notes.txt': 'hello', 'snapshot.yaml': 'old' },
      binaryData: { blob: Buffer.from('bin').toString('base64') },
    });
    const rvBefore = server.get('v1', 'ConfigMap', 'snap', 'gpu')!.metadata!.resourceVersion;
    await store.write(ref, { data: { 'snapshot.yaml': 'new', format: 'yaml' }, labels }, { kubeconfig });
    const cm = server.get('v1', 'ConfigMap', 'snap', 'gpu')! as Record<string, any>;
    assert.deepEqual(cm.data, { 'notes.txt': 'hello', 'snapshot.yaml': 'new', format: 'yaml' });
    assert.deepEqual(cm.binaryData, { blob: Buffer.from('bin').toString('base64') });
    assert.deepEqual(cm.metadata.labels, { team: 'infra', ...labels });
    assert.deepEqual(cm.metadata.annotations, { note: 'keep' });
    assert.notEqual(cm.metadata.resourceVersion, rvBefore);
    const puts = server
      .requestsTo('/api/v1/namespaces/gpu/configmaps/snap')
      .filter((r) => r.method === 'PUT');
    assert.equal(puts.at(-1)?.status, 200);
  });

  it('retries when another writer changed the ConfigMap in between (409 Conflict)', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: { a: '1' },
    });
    const other = sim.concurrentWriter('gpu', 'snap', 2);
    const start = server.requests.length;
    await store.write(ref, { data: { 'snapshot.yaml': 'mine' }, labels }, { kubeconfig });
    const cm = server.get('v1', 'ConfigMap', 'snap', 'gpu')!;
    assert.equal(other.writes, 2);
    // Nothing is lost: the other writer's keys and ours are all there.
    assert.deepEqual(cm.data, {
      a: '1',
      'other-writer-1': 'x',
      'other-writer-2': 'x',
      'snapshot.yaml': 'mine',
    });
    const puts = server.requests.slice(start).filter((r) => r.method === 'PUT');
    assert.deepEqual(
      puts.map((r) => r.status),
      [409, 409, 200],
    );
  });

  it('gives up after repeated conflicts with a clear error', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: {},
    });
    sim.concurrentWriter('gpu', 'snap', 100);
    const f = await failure(store.write(ref, { data: { x: 'y' }, labels }, { kubeconfig }));
    assert.equal(f.exit, 6);
    assert.match(f.text, /ConfigMap gpu\/snap .* kept changing/);
  });

  it('a create race (AlreadyExists) turns into an update', async () => {
    // The first create answers 409 AlreadyExists although the GET saw nothing.
    server.failOn({
      method: 'POST',
      path: '/api/v1/namespaces/gpu/configmaps',
      status: 409,
      times: 1,
      message: 'configmaps "snap" already exists',
    });
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'other', namespace: 'gpu' },
      data: {},
    });
    await store.write(ref, { data: { k: 'v' }, labels }, { kubeconfig });
    assert.deepEqual(server.get('v1', 'ConfigMap', 'snap', 'gpu')!.data, { k: 'v' });
  });

  it('refuses, before any write, a result larger than a ConfigMap can hold', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: { 'big.txt': 'x'.repeat(700 * 1024) },
    });
    const start = server.requests.length;
    const f = await failure(
      store.write(ref, { data: { 'snapshot.yaml': 'y'.repeat(400 * 1024) }, labels }, { kubeconfig }),
    );
    assert.equal(f.exit, 2);
    assert.match(f.text, /at most 1 MiB/);
    assert.match(f.text, /other keys \(big\.txt\)/);
    assert.deepEqual(
      server.requests.slice(start).map((r) => r.method),
      ['GET'],
    );
  });

  it('writeOutput refuses an over-sized document before contacting the cluster', async () => {
    const start = server.requests.length;
    const f = await failure(
      writeOutput('cm://gpu/snap', 'z'.repeat(1024 * 1024 + 1), {
        kind: 'snapshot',
        format: 'yaml',
        kubeconfig,
      }),
    );
    assert.equal(f.exit, 2);
    assert.match(f.text, /too large for ConfigMap gpu\/snap/);
    assert.equal(server.requests.length, start);
  });

  it('refuses to update an immutable ConfigMap (exit 2)', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      immutable: true,
      data: {},
    });
    const f = await failure(store.write(ref, { data: { k: 'v' }, labels }, { kubeconfig }));
    assert.equal(f.exit, 2);
    assert.match(f.text, /immutable/);
  });

  it('not found → exit 3, naming the ConfigMap and the server', async () => {
    const f = await failure(store.read(ref, { kubeconfig }));
    assert.equal(f.exit, 3);
    assert.ok(f.text.includes(`ConfigMap gpu/snap not found on ${server.url}`), f.text);
  });

  it('forbidden → exit 4, naming the missing verb and resource', async () => {
    sim.deny({ verb: 'get', resource: 'configmaps', namespace: 'gpu' });
    const f = await failure(store.read(ref, { kubeconfig }));
    assert.equal(f.exit, 4);
    assert.match(f.text, /permission "get" on "configmaps" in namespace "gpu" is missing/);
    sim.deny({ verb: 'create', resource: 'configmaps', namespace: 'gpu' });
    const g = await failure(store.write(ref, { data: { k: 'v' }, labels }, { kubeconfig }));
    assert.equal(g.exit, 4);
  });

  it('forbidden update is reported as update', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: {},
    });
    sim.deny({ verb: 'update', resource: 'configmaps', namespace: 'gpu' });
    const f = await failure(store.write(ref, { data: { k: 'v' }, labels }, { kubeconfig }));
    assert.equal(f.exit, 4);
    assert.match(f.text, /permission "update" on "configmaps"/);
  });

  it('rejected credentials → exit 4', async () => {
    const bad = server.writeKubeconfig(path.join(dir, 'bad-token'), { token: 'wrong' });
    const f = await failure(store.read(ref, { kubeconfig: bad }));
    assert.equal(f.exit, 4);
    assert.match(f.text, /rejected the credentials/);
  });

  it('API server unreachable → exit 6, naming the server', async () => {
    const dead = path.join(dir, 'dead');
    writeFileSync(
      dead,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const f = await failure(store.read(ref, { kubeconfig: dead }));
    assert.equal(f.exit, 6);
    assert.match(f.text, /cannot reach Kubernetes API server http:\/\/127\.0\.0\.1:1/);
  });

  it('an API server that does not answer → exit 5', async () => {
    server.failOn({ path: '/api/v1/namespaces/gpu/configmaps/snap', hang: true, times: 1 });
    const quick = kubernetesConfigMapStore({ requestTimeoutMs: 300 });
    const f = await failure(quick.read(ref, { kubeconfig }));
    assert.equal(f.exit, 5);
    assert.match(f.text, /timed out after 0\.3s waiting for the Kubernetes API server/);
  });

  it('server errors → exit 6', async () => {
    server.failOn({ path: '/api/v1/namespaces/gpu/configmaps/snap', status: 503, times: 1 });
    const f = await failure(store.read(ref, { kubeconfig }));
    assert.equal(f.exit, 6);
    assert.match(f.text, /HTTP 503/);
  });

  it('reads documents through readSource, including upstream keys', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: { 'snapshot.json': '{"kind":"Snapshot"}', format: 'json' },
    });
    const src = await readSource('cm://gpu/snap', { what: 'snapshot', kubeconfig });
    assert.equal(src.text, '{"kind":"Snapshot"}');
    assert.equal(src.format, 'json');
  });

  it('the fake server rejects a merge patch with a stale resourceVersion', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      data: {},
    });
    const rv = server.get('v1', 'ConfigMap', 'snap', 'gpu')!.metadata!.resourceVersion!;
    const patch = (resourceVersion: string) =>
      new Promise<{ status: number }>((resolve, reject) => {
        const req = https.request(
          `${server.url}/api/v1/namespaces/gpu/configmaps/snap`,
          {
            method: 'PATCH',
            ca: FAKE_CA_CERT,
            headers: {
              authorization: `Bearer ${server.token}`,
              'content-type': 'application/merge-patch+json',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ metadata: { resourceVersion }, data: { k: 'v' } }));
      });
    assert.equal((await patch(rv)).status, 200);
    assert.equal((await patch(rv)).status, 409);
  });
});

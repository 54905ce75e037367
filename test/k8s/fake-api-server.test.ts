// The fake API server, exercised through the real @kubernetes/client-node library and a generated kubeconfig.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { CLUSTER_POLICY_RESOURCE, FakeKubeApiServer } from './fake-api-server.js';
import { makeClusterPolicy, makeNode, makePod } from './objects.js';

describe('FakeKubeApiServer', () => {
  let server: FakeKubeApiServer;
  let dir: string;
  let kc: k8s.KubeConfig;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-fake-k8s-'));
    server = await FakeKubeApiServer.start();
    server.defineResource(CLUSTER_POLICY_RESOURCE);
    for (let i = 0; i < 7; i++) server.put(makeNode(`node-${i}`));
    server.put(makePod('b', 'p1'), makePod('a', 'p2'), makePod('a', 'p1'));
    server.put(makeClusterPolicy('cluster-policy', { driver: { version: '570.86.15' } }));
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.writeKubeconfig(path.join(dir, 'kubeconfig')));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /version and discovery the way the client expects', async () => {
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    assert.equal(v.gitVersion, 'v1.33.5');
    assert.equal(v.platform, 'linux/amd64');
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const nvidia = groups.groups.find((g) => g.name === 'nvidia.com');
    assert.equal(nvidia?.preferredVersion?.groupVersion, 'nvidia.com/v1');
    const res = await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getAPIResources({ group: 'nvidia.com', version: 'v1' });
    assert.deepEqual(
      res.resources.map((r) => [r.name, r.kind, r.namespaced]),
      [
        ['clusterpolicies', 'ClusterPolicy', false],
        ['clusterpolicies/status', 'ClusterPolicy', false],
      ],
    );
    const core = await kc.makeApiClient(k8s.CoreV1Api).getAPIResources();
    assert.ok(core.resources.some((r) => r.name === 'pods/log'));
  });

  it('pages lists with limit and continue, in namespace/name order', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNode({ limit: 3, _continue: cont });
      pages++;
      assert.ok(page.items.length <= 3);
      names.push(...page.items.map((n) => n.metadata!.name!));
      cont = page.metadata?._continue;
      if (cont) assert.equal(page.metadata?.remainingItemCount, 7 - names.length);
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['node-0', 'node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6']);
    const pods = await core.listPodForAllNamespaces({});
    assert.deepEqual(
      pods.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`),
      ['a/p1', 'a/p2', 'b/p1'],
    );
    const inA = await core.listNamespacedPod({ namespace: 'a', limit: 1 });
    assert.equal(inA.items.length, 1);
    const rest = await core.listNamespacedPod({ namespace: 'a', _continue: inA.metadata!._continue });
    assert.deepEqual(
      rest.items.map((p) => p.metadata!.name),
      ['p2'],
    );
    const requests = server.requestsTo('/api/v1/nodes');
    assert.equal(requests.at(-1)!.query.limit, '3');
  });

  it('serves custom resources and label/field selectors', async () => {
    const list = (await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({ group: 'nvidia.com', version: 'v1', plural: 'clusterpolicies' })) as {
      items: { spec: { driver: { version: string } } }[];
    };
    assert.equal(list.items[0]!.spec.driver.version, '570.86.15');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const sel = await core.listNode({ labelSelector: 'kubernetes.io/hostname=node-3' });
    assert.deepEqual(
      sel.items.map((n) => n.metadata!.name),
      ['node-3'],
    );
    const f = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=b' });
    assert.equal(f.items.length, 1);
  });

  it('rejects requests without the bearer token (401)', async () => {
    const anon = new k8s.KubeConfig();
    anon.loadFromFile(server.writeKubeconfig(path.join(dir, 'anon'), { token: 'wrong' }));
    await assert.rejects(anon.makeApiClient(k8s.CoreV1Api).listNode({}), (err: unknown) => {
      assert.equal((err as { code?: number }).code, 401);
      return true;
    });
  });

  it('injects 403 and 500 faults for a path, a limited number of times', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const clear = server.failOn({ path: '/api/v1/nodes', status: 403 });
    await assert.rejects(core.listNode({}), (err: unknown) => (err as { code?: number }).code === 403);
    clear();
    server.failOn({ path: /^\/api\/v1\/nodes/, status: 500, times: 1 });
    await assert.rejects(core.listNode({}), (err: unknown) => (err as { code?: number }).code === 500);
    assert.equal((await core.listNode({})).items.length, 7);
  });

  it('creates, replaces with resourceVersion conflicts, patches and deletes objects', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'snap' }, data: { a: '1' } },
    });
    assert.ok(created.metadata?.resourceVersion);
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'snap' } } }),
      (err: unknown) => (err as { code?: number }).code === 409,
    );
    const updated = await core.replaceNamespacedConfigMap({
      name: 'snap',
      namespace: 'default',
      body: {
        metadata: { name: 'snap', resourceVersion: created.metadata!.resourceVersion },
        data: { a: '2' },
      },
    });
    assert.equal(updated.data?.a, '2');
    await assert.rejects(
      core.replaceNamespacedConfigMap({
        name: 'snap',
        namespace: 'default',
        body: {
          metadata: { name: 'snap', resourceVersion: created.metadata!.resourceVersion },
          data: { a: '3' },
        },
      }),
      (err: unknown) => (err as { code?: number }).code === 409,
    );
    const patched = await core.patchNamespacedConfigMap(
      { name: 'snap', namespace: 'default', body: { data: { b: 'x' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '2', b: 'x' });
    assert.equal(
      server.get('v1', 'ConfigMap', 'snap', 'default')?.metadata?.resourceVersion,
      patched.metadata?.resourceVersion,
    );
    await core.deleteNamespacedConfigMap({ name: 'snap', namespace: 'default' });
    await assert.rejects(
      core.readNamespacedConfigMap({ name: 'snap', namespace: 'default' }),
      (err: unknown) => (err as { code?: number }).code === 404,
    );
  });

  it('streams watch events and supports custom routes', async () => {
    server.route('GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, (_req, res, ctx) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`logs of ${ctx.match[2]}\n`);
      return undefined;
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    assert.equal(await core.readNamespacedPodLog({ name: 'p1', namespace: 'a' }), 'logs of p1\n');

    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const req = await watch.watch(
      '/api/v1/nodes',
      { fieldSelector: 'metadata.name=node-9' },
      (type, obj: k8s.V1Node) => {
        events.push(`${type} ${obj.metadata?.name}`);
        if (type === 'DELETED') done();
      },
      () => undefined,
    );
    server.put(makeNode('node-9'));
    server.put(makeNode('node-9', { labels: { x: 'y' } }));
    server.remove('v1', 'Node', 'node-9');
    await finished;
    req.abort();
    assert.deepEqual(events, ['ADDED node-9', 'MODIFIED node-9', 'DELETED node-9']);
  });
});

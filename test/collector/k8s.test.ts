// K8s and NodeTopology collectors against the fake Kubernetes API server, through a generated kubeconfig
// and the real client library.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCollectors } from '../../src/collector/index.js';
import { K8sCollector, parseImage, providerFromId } from '../../src/collector/k8s.js';
import { KubeSession, peekContinue } from '../../src/collector/kube.js';
import { NodeTopologyCollector, formatNodes } from '../../src/collector/topology.js';
import type { Measurement } from '../../src/model/snapshot.js';
import { CLUSTER_POLICY_RESOURCE, FakeKubeApiServer } from '../k8s/fake-api-server.js';
import { makeClusterPolicy, makeNode, makePod } from '../k8s/objects.js';
import { captureLogs, signal, tempDir } from './helpers.js';

function data(m: Measurement, sub: string) {
  const s = m.subtypes?.find((x) => x.subtype === sub);
  assert.ok(s, `subtype ${sub}`);
  return s.data;
}

describe('K8s and NodeTopology collectors against the fake API server', () => {
  const t = tempDir('aicr-k8s-');
  let server: FakeKubeApiServer;
  let kubeconfig: string;

  before(async () => {
    server = await FakeKubeApiServer.start({
      version: { gitVersion: 'v1.33.5-eks-3025e55', goVersion: 'go1.24.9' },
    });
    server.defineResource(CLUSTER_POLICY_RESOURCE);
    server.put(
      makeNode('gpu-node-1', {
        providerID: 'aws:///us-west-2a/i-0123456789abcdef0',
        labels: { 'nvidia.com/gpu.present': 'true', zone: 'a' },
        taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      }),
      makeNode('gpu-node-2', {
        labels: { 'nvidia.com/gpu.present': 'true', zone: 'b' },
        taints: [
          { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
          { key: 'dedicated', value: 'training', effect: 'NoExecute' },
        ],
      }),
      makeNode('cpu-node-1', {
        labels: { zone: 'a' },
        taints: [{ key: 'dedicated', value: 'system', effect: 'NoSchedule' }],
      }),
    );
    server.put(
      makePod('gpu-operator', 'gpu-operator-0', {
        images: ['nvcr.io/nvidia/gpu-operator:v25.3.0'],
        initImages: ['busybox'],
      }),
      makePod('kube-system', 'proxy-0', {
        images: ['registry.k8s.io/kube-proxy:v1.33.5', 'localhost:5000/team/sidecar@sha256:abcd'],
        ephemeralImages: ['docker.io/library/debug:1.0'],
      }),
      makePod('kube-system', 'proxy-1', { images: ['registry.k8s.io/kube-proxy:v1.33.4'] }),
    );
    server.put(
      makeClusterPolicy('cluster-policy', {
        driver: { enabled: true, version: '570.86.15', repository: 'nvcr.io/nvidia', args: [] },
        mig: { strategy: 'single' },
        devicePlugin: { env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }], config: {} },
        toolkit: { installDir: null, priority: 10, ratio: 0.5 },
      }),
      makeClusterPolicy('no-spec', undefined),
    );
    kubeconfig = server.writeKubeconfig(path.join(t.dir, 'kubeconfig'));
  });
  after(async () => {
    await server.close();
    t.cleanup();
  });
  beforeEach(() => {
    server.clearFaults();
    server.requests.length = 0;
  });

  const collectors = (opts: { nodeName?: string; pageSize?: number; max?: number; kc?: string } = {}) => {
    const session = new KubeSession({ kubeconfig: opts.kc ?? kubeconfig, env: {} });
    return {
      k8s: new K8sCollector({ session, nodeName: opts.nodeName ?? 'gpu-node-1', pageSize: opts.pageSize }),
      topo: new NodeTopologyCollector({ session, maxNodesPerEntry: opts.max, pageSize: opts.pageSize }),
    };
  };

  it('reports server, images, ClusterPolicy and this node', async () => {
    const logs = captureLogs();
    const m = await collectors().k8s.collect(signal()).finally(logs.restore);
    assert.deepEqual(logs.warnings(), []);
    assert.deepEqual(
      m.subtypes!.map((s) => s.subtype),
      ['server', 'image', 'policy', 'node'],
    );
    assert.deepEqual(data(m, 'server'), {
      version: 'v1.33.5-eks-3025e55',
      platform: 'linux/amd64',
      goVersion: 'go1.24.9',
    });
    assert.deepEqual(data(m, 'image'), {
      'gpu-operator': 'v25.3.0',
      busybox: 'latest',
      'kube-proxy': 'v1.33.4', // last one seen wins (pods in namespace/name order)
      sidecar: 'latest',
      debug: '1.0',
    });
    assert.deepEqual(data(m, 'policy'), {
      'driver.enabled': 'true',
      'driver.version': '570.86.15',
      'driver.repository': 'nvcr.io/nvidia',
      'mig.strategy': 'single',
      'devicePlugin.env': '[{"name":"FAIL_ON_INIT_ERROR","value":"false"}]',
      'toolkit.installDir': '<nil>',
      'toolkit.priority': '10',
      'toolkit.ratio': '0.5',
    });
    assert.deepEqual(data(m, 'node'), {
      'source-node': 'gpu-node-1',
      provider: 'eks',
      'provider-id': 'aws:///us-west-2a/i-0123456789abcdef0',
      'container-runtime-id': 'containerd://2.0.5',
      'container-runtime-name': 'containerd',
      'container-runtime-version': '2.0.5',
      'kubelet-version': 'v1.33.5-eks-1234567',
      'kernel-version': '6.8.0-1024-aws',
      'operating-system': 'linux',
      'os-image': 'Ubuntu 24.04.2 LTS',
    });
  });

  it('pages pod and node lists with limit and continue', async () => {
    const c = collectors({ pageSize: 2 });
    await Promise.all([c.k8s.collect(signal()), c.topo.collect(signal())]);
    const pods = server.requestsTo('/api/v1/pods');
    assert.equal(pods.length, 2);
    assert.deepEqual(
      pods.map((r) => [r.query.limit, r.query.continue !== undefined]),
      [
        ['2', false],
        ['2', true],
      ],
    );
    assert.equal(server.requestsTo('/api/v1/nodes').length, 2);
    assert.equal(server.requestsTo('/version').length, 1, 'one probe shared by both collectors');
  });

  it('groups node labels and taints', async () => {
    const m = await collectors().topo.collect(signal());
    assert.deepEqual(
      m.subtypes!.map((s) => s.subtype),
      ['summary', 'taint', 'label'],
    );
    assert.deepEqual(data(m, 'taint'), {
      'nvidia.com/gpu': 'NoSchedule|present|gpu-node-1,gpu-node-2',
      'dedicated.NoExecute': 'training|gpu-node-2',
      'dedicated.NoSchedule': 'system|cpu-node-1',
    });
    const label = data(m, 'label');
    assert.equal(label['nvidia.com/gpu.present'], 'true|gpu-node-1,gpu-node-2');
    assert.equal(label['zone.a'], 'a|cpu-node-1,gpu-node-1');
    assert.equal(label['zone.b'], 'b|gpu-node-2');
    assert.equal(label['kubernetes.io/os'], 'linux|cpu-node-1,gpu-node-1,gpu-node-2');
    assert.equal(label['kubernetes.io/hostname.gpu-node-1'], 'gpu-node-1|gpu-node-1');
    assert.deepEqual(data(m, 'summary'), {
      'node-count': 3,
      'taint-count': 3,
      'label-count': Object.keys(label).length,
    });
  });

  it('caps node names per entry with --max-nodes-per-entry', async () => {
    const m = await collectors({ max: 1 }).topo.collect(signal());
    assert.equal(data(m, 'label')['kubernetes.io/os'], 'linux|cpu-node-1 (+2 more)');
    assert.equal(formatNodes(['c', 'a', 'b'], 0), 'a,b,c');
    assert.equal(formatNodes(['c', 'a', 'b'], 3), 'a,b,c');
  });

  it('401 on the probe: both measurements empty, exactly one warning', async () => {
    server.failOn({ path: '/version', status: 401 });
    const c = collectors();
    const logs = captureLogs();
    const [k, topo] = await Promise.all([c.k8s.collect(signal()), c.topo.collect(signal())]).finally(
      logs.restore,
    );
    assert.deepEqual(
      k.subtypes!.map((s) => [s.subtype, s.data]),
      [
        ['server', {}],
        ['image', {}],
        ['policy', {}],
        ['node', {}],
      ],
    );
    assert.deepEqual(data(topo, 'summary'), { 'node-count': 0, 'taint-count': 0, 'label-count': 0 });
    const w = logs.warnings();
    assert.equal(w.length, 1);
    assert.match(
      w[0]!,
      /refused the credentials.*HTTP 401 Unauthorized.*K8s and NodeTopology measurements are empty/,
    );
    assert.equal(server.requestsTo('/api/v1/pods').length, 0, 'no further calls');
  });

  it('403 on pods: the image subtype is empty with a warning, the rest is reported', async () => {
    server.failOn({ path: '/api/v1/pods', status: 403 });
    const logs = captureLogs();
    const m = await collectors().k8s.collect(signal()).finally(logs.restore);
    assert.deepEqual(data(m, 'image'), {});
    assert.equal(data(m, 'server').version, 'v1.33.5-eks-3025e55');
    assert.equal(data(m, 'policy')['mig.strategy'], 'single');
    const w = logs.warnings();
    assert.equal(w.length, 1);
    assert.match(w[0]!, /^K8s image: HTTP 403 Forbidden/);
  });

  it('500 on a later node page fails the topology collector (partial counts would mislead)', async () => {
    const c = collectors({ pageSize: 1 });
    server.failOn({ path: '/api/v1/nodes', status: 500, skip: 1 });
    await assert.rejects(c.topo.collect(signal()), (err: unknown) => (err as { code?: number }).code === 500);
    assert.deepEqual(
      server.requestsTo('/api/v1/nodes').map((r) => r.status),
      [200, 500],
    );
  });

  it('discovery failures of other groups are tolerated; a policy list failure is a warning', async () => {
    server.failOn({ path: '/apis/batch/v1', status: 500 });
    let m = await collectors().k8s.collect(signal());
    assert.equal(data(m, 'policy')['driver.version'], '570.86.15');
    server.failOn({ path: '/apis/nvidia.com/v1/clusterpolicies', status: 403 });
    const logs = captureLogs();
    m = await collectors().k8s.collect(signal()).finally(logs.restore);
    assert.deepEqual(data(m, 'policy'), {});
    assert.match(logs.warnings()[0]!, /cannot list clusterpolicies.nvidia.com: HTTP 403/);
  });

  it('a node that is not in the cluster leaves the node subtype empty without a warning', async () => {
    const logs = captureLogs();
    const m = await collectors({ nodeName: 'my-laptop' }).k8s.collect(signal()).finally(logs.restore);
    assert.deepEqual(data(m, 'node'), {});
    assert.deepEqual(logs.warnings(), []);
  });

  it('an unreachable API server: empty measurements, one warning naming the server', async () => {
    const dead = await FakeKubeApiServer.start();
    const kc = dead.writeKubeconfig(path.join(t.dir, 'dead'));
    const url = dead.url;
    await dead.close();
    const c = collectors({ kc });
    const logs = captureLogs();
    const [k, topo] = await Promise.all([c.k8s.collect(signal()), c.topo.collect(signal())]).finally(
      logs.restore,
    );
    assert.equal(k.subtypes!.length, 4);
    assert.deepEqual(data(topo, 'taint'), {});
    const w = logs.warnings();
    assert.equal(w.length, 1);
    assert.ok(w[0]!.includes(`cannot reach the API server at ${url}`), w[0]);
    assert.match(w[0]!, /ECONNREFUSED/);
  });

  it('a hanging API server is given up after the probe timeout', async () => {
    server.failOn({ path: '/version', hang: true });
    const session = new KubeSession({ kubeconfig, env: {}, probeTimeoutMs: 500 });
    const logs = captureLogs();
    const started = Date.now();
    const m = await new K8sCollector({ session }).collect(signal()).finally(logs.restore);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(data(m, 'server'), {});
    assert.match(logs.warnings()[0]!, /no answer within 0.5s/);
  });

  it('no kubeconfig anywhere: empty measurements and one warning, the client library is not needed', async () => {
    const home = tempDir('aicr-home-');
    try {
      const cs = createCollectors(['k8s', 'topology'], { env: { HOME: home.dir } });
      const logs = captureLogs();
      const ms = await Promise.all(cs.map((c) => c.collect(signal()))).finally(logs.restore);
      assert.deepEqual(
        ms.map((m) => m.type),
        ['K8s', 'NodeTopology'],
      );
      const w = logs.warnings();
      assert.equal(w.length, 1);
      assert.match(w[0]!, /no Kubernetes configuration found/);
    } finally {
      home.cleanup();
    }
  });

  it('KUBECONFIG and ~/.kube/config are used in that order', async () => {
    const home = tempDir('aicr-home-');
    try {
      const { mkdirSync, copyFileSync } = await import('node:fs');
      mkdirSync(path.join(home.dir, '.kube'));
      copyFileSync(kubeconfig, path.join(home.dir, '.kube', 'config'));
      let [k] = await Promise.all(
        createCollectors(['k8s'], { env: { HOME: home.dir } }).map((c) => c.collect(signal())),
      );
      assert.equal(data(k!, 'server').version, 'v1.33.5-eks-3025e55');
      // a KUBECONFIG pointing at a dead server wins over ~/.kube/config
      const dead = await FakeKubeApiServer.start();
      const deadKc = dead.writeKubeconfig(path.join(home.dir, 'dead'));
      await dead.close();
      const logs = captureLogs();
      [k] = await Promise.all(
        createCollectors(['k8s'], { env: { HOME: home.dir, KUBECONFIG: deadKc } }).map((c) =>
          c.collect(signal()),
        ),
      ).finally(logs.restore);
      assert.deepEqual(data(k!, 'server'), {});
      assert.match(logs.warnings()[0]!, /KUBECONFIG=.*dead/);
      // a KUBECONFIG entry that does not exist is never skipped in favour of ~/.kube/config
      const logs2 = captureLogs();
      [k] = await Promise.all(
        createCollectors(['k8s'], { env: { HOME: home.dir, KUBECONFIG: '/nonexistent' } }).map((c) =>
          c.collect(signal()),
        ),
      ).finally(logs2.restore);
      assert.deepEqual(data(k!, 'server'), {});
      assert.match(logs2.warnings()[0]!, /KUBECONFIG entry \/nonexistent does not exist/);
    } finally {
      home.cleanup();
    }
  });

  it('reads the continue token from the head of a list page', () => {
    assert.equal(
      peekContinue(
        '{"kind":"PodList","metadata":{"resourceVersion":"9","continue":"eyJ9\\u003d"},"items":[{"continue":"x"}]}',
      ),
      'eyJ9=',
    );
    assert.equal(
      peekContinue('{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[{"continue":"x"}]}'),
      undefined,
    );
    assert.equal(peekContinue('{"items":[],"metadata":{"continue":"late"}}'), undefined, 'only before items');
  });

  it('parses image references and provider IDs as upstream does', () => {
    assert.deepEqual(parseImage('repo/image:tag'), ['image', 'tag']);
    assert.deepEqual(parseImage('repo/init:latest'), ['init', 'latest']);
    assert.deepEqual(parseImage('nginx'), ['nginx', 'latest']);
    assert.deepEqual(parseImage('localhost:5000/app'), ['app', 'latest']);
    assert.deepEqual(parseImage('r.io/a/b:1.2@sha256:ff'), ['b', '1.2']);
    assert.equal(parseImage(''), undefined);
    assert.equal(providerFromId('AWS:///us-east-1a/i-1'), 'eks');
    assert.equal(providerFromId(' gce ://p/z/n'), 'gke');
    assert.equal(providerFromId('azure:///subscriptions/x'), 'aks');
    assert.equal(providerFromId('oci://ocid1.instance'), 'oke');
    assert.equal(providerFromId('kind://docker/kind/kind-control-plane'), 'kind');
  });
});

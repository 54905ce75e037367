// A kubeconfig whose server is plain http:// (as `kubectl proxy` serves) works, and an answer the
// client cannot parse is not reported as "cannot reach". Real HTTP servers on 127.0.0.1; the real
// cluster suite (test/integration/real-cluster.test.ts) repeats the first through `kubectl proxy`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCodeFor, formatError } from '../../src/errors/index.js';
import { kubernetesConfigMapStore } from '../../src/k8s/configmap.js';

describe('plain http:// API servers', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  const seen: string[] = [];
  const kubeconfig = (server: string) => {
    const p = path.join(dir, `kc-${seen.length}-${Math.random().toString(16).slice(2)}`);
    writeFileSync(
      p,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return p;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-http-'));
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.endsWith('/configmaps/snap')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'snap', namespace: 'gpu' },
            data: { 'snapshot.yaml': 'kind: Snapshot\n' },
          }),
        );
        return;
      }
      // An empty answer without Content-Type, as the API server gives for logs of an unstarted pod.
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a ConfigMap through an http:// server (no "HTTP protocol is not allowed")', async () => {
    const store = kubernetesConfigMapStore({ requestTimeoutMs: 5000 });
    const data = await store.read(
      { namespace: 'gpu', name: 'snap' },
      { kubeconfig: kubeconfig(`http://127.0.0.1:${port}`) },
    );
    assert.deepEqual(data, { 'snapshot.yaml': 'kind: Snapshot\n' });
    assert.ok(seen.includes('GET /api/v1/namespaces/gpu/configmaps/snap'));
  });

  it('an unparsable answer (HTTP 204, no Content-Type) is exit 8, not "cannot reach"', async () => {
    const store = kubernetesConfigMapStore({ requestTimeoutMs: 5000 });
    try {
      await store.read(
        { namespace: 'gpu', name: 'other' },
        { kubeconfig: kubeconfig(`http://127.0.0.1:${port}`) },
      );
      assert.fail('expected a failure');
    } catch (err) {
      assert.equal(exitCodeFor(err), 8, formatError(err));
      assert.doesNotMatch(formatError(err), /cannot reach|VPN/);
      assert.match(
        formatError(err),
        new RegExp(`unexpected answer from the Kubernetes API server http://127\\.0\\.0\\.1:${port}`),
      );
    }
  });
});

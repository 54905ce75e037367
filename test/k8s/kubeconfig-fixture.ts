// Shared set-up of the kubeconfig end-to-end tests: a fake API server, a temp dir, kubeconfig files
// pointing at the server, and assertions on what users see.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { tempDir } from '../collector/helpers.js';
import { FAKE_CA_CERT, FakeKubeApiServer } from './fake-api-server.js';

const TLS_DIR = fileURLToPath(new URL('./tls/', import.meta.url));
export const CERT = readFileSync(path.join(TLS_DIR, 'server.crt'), 'utf8');
export const KEY = readFileSync(path.join(TLS_DIR, 'server.key'), 'utf8');
export { FAKE_CA_CERT };
export const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

export interface KubeconfigFixture {
  t: { dir: string };
  readonly server: FakeKubeApiServer;
  /** A kubeconfig for the fake server with the given user and cluster fields. */
  kubeconfig(user: Record<string, unknown>, cluster?: Record<string, unknown>): string;
  env(extra?: Record<string, string>): Record<string, string>;
}

/** Registers before/after hooks: a fake API server and a temp dir for one test file. */
export function kubeconfigFixture(prefix: string): KubeconfigFixture {
  const t = tempDir(prefix);
  let server: FakeKubeApiServer | undefined;
  let n = 0;
  before(async () => {
    server = await FakeKubeApiServer.start();
  });
  after(async () => {
    await server?.close();
    t.cleanup();
  });
  return {
    t,
    get server() {
      assert.ok(server, 'server started');
      return server;
    },
    kubeconfig(user, cluster = {}) {
      const file = path.join(t.dir, `kc-${++n}.yaml`);
      writeFileSync(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'c',
              cluster: {
                server: this.server.url,
                'certificate-authority-data': b64(FAKE_CA_CERT),
                ...cluster,
              },
            },
          ],
          users: [{ name: 'u', user }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
      );
      return file;
    },
    env(extra = {}) {
      return { HOME: path.join(t.dir, 'home'), PATH: '/usr/bin:/bin', NODE_NAME: 'n1', ...extra };
    },
  };
}

export function k8sServer(stdout: string): Record<string, unknown> {
  const doc = parseYaml(stdout) as {
    measurements: { type: string; subtypes?: { subtype: string; data: Record<string, unknown> }[] }[];
  };
  return (
    doc.measurements.find((m) => m.type === 'K8s')?.subtypes?.find((s) => s.subtype === 'server')?.data ?? {}
  );
}

/** Only printable ASCII (and newlines) on stderr: no bytes of a bad kubeconfig reach the terminal. */
export function assertPrintable(text: string): void {
  assert.doesNotMatch(text, /[^\x20-\x7e\n]/, 'stderr holds only printable text');
}

export async function assertGone(pidFile: string): Promise<void> {
  assert.ok(existsSync(pidFile));
  const list = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  assert.ok(list.length >= 2, 'the plugin recorded itself and its descendant');
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = Date.now() + 2000;
  while (list.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const left = list.filter(alive);
  for (const p of left) process.kill(p, 'SIGKILL');
  assert.deepEqual(left, [], 'no plugin process is left running');
}

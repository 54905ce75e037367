/**
 * cm:// and API error handling against a REAL Kubernetes API server, through the built CLI
 * (`npm run test:cluster`; skipped with the reason printed unless AICR_E2E_KUBECONFIG is set — see
 * test/integration/real-cluster-helpers.ts for the variables).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  adminKubeconfig,
  Api,
  cli,
  hasCommand,
  restrictedKubeconfig,
  restrictedNamespace,
  rnd,
  skipReason,
} from './real-cluster-helpers.js';

describe('real cluster: cm:// through the built CLI', { skip: skipReason }, () => {
  const ns = `aicr-e2e-cm-${rnd()}`;
  let dir: string;
  let admin: Api;
  const run = (args: string[], kc = adminKubeconfig!) => cli(kc, args, dir);
  const data = async (name: string, namespace = ns) => {
    const a = await admin.configMap(namespace, name);
    assert.equal(a.status, 200, a.text);
    return a.json.data as Record<string, string>;
  };
  /** A kubeconfig for the same server with other credentials / another server. */
  const kubeconfigWith = (file: string, cluster: Record<string, unknown>, user: Record<string, unknown>) => {
    const p = path.join(dir, file);
    writeFileSync(
      p,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return p;
  };
  const caData = () => {
    const c = admin.kc.getCurrentCluster()!;
    return c.caData
      ? { 'certificate-authority-data': c.caData }
      : c.caFile
        ? { 'certificate-authority': c.caFile }
        : {};
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-cm-'));
    admin = await Api.load(adminKubeconfig!);
    await admin.createNamespace(ns);
  });
  after(async () => {
    await admin?.deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('snapshot -o cm:// → recipe -s cm:// -o cm:// → validate -o cm:// → bundle -r cm://', async () => {
    const s = await run(['snapshot', '--filter', 'k8s,topology', '-o', `cm://${ns}/snap`]);
    assert.equal(s.code, 0, s.stderr);
    const snap = parse((await data('snap'))['snapshot.yaml']!);
    assert.equal(snap.kind, 'Snapshot');
    assert.ok(
      snap.measurements.some((m: { type: string }) => m.type === 'K8s'),
      'the K8s measurement comes from the real API server',
    );
    const r = await run([
      'recipe',
      '-s',
      `cm://${ns}/snap`,
      '--intent',
      'training',
      '-o',
      `cm://${ns}/recipe`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parse((await data('recipe'))['recipe.yaml']!).kind, 'RecipeResult');
    const v = await run([
      'validate',
      '-r',
      `cm://${ns}/recipe`,
      '-s',
      `cm://${ns}/snap`,
      '--fail-on-error=false',
      '-o',
      `cm://${ns}/validation`,
    ]);
    assert.equal(v.code, 0, v.stderr);
    assert.ok((await data('validation'))['validation.yaml']);
    const b = await run(['bundle', '-r', `cm://${ns}/recipe`, '-o', 'bundles']);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(readdirSync(path.join(dir, 'bundles')).includes('README.md'));
  });

  it('writing into an existing ConfigMap keeps its other keys and labels', async () => {
    await admin.putConfigMap(ns, 'shared', { 'notes.txt': 'keep me', format: 'old' }, { team: 'a' });
    const r = await run([
      'recipe',
      '--service',
      'eks',
      '--accelerator',
      'h100',
      '--intent',
      'training',
      '-o',
      `cm://${ns}/shared`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const cm = (await admin.configMap(ns, 'shared')).json;
    assert.equal(cm.data['notes.txt'], 'keep me');
    assert.equal(cm.data.format, 'yaml');
    assert.equal(parse(cm.data['recipe.yaml']).kind, 'RecipeResult');
    assert.equal(cm.metadata.labels.team, 'a');
    assert.equal(cm.metadata.labels['app.kubernetes.io/component'], 'recipe');
  });

  it('a missing ConfigMap is exit 3 naming it', async () => {
    const r = await run(['recipe', '-s', `cm://${ns}/does-not-exist`]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`ConfigMap ${ns}/does-not-exist not found`));
  });

  it('cm:// output into a namespace that does not exist: exit 3 before anything is collected', async () => {
    const t0 = Date.now();
    const r = await run([
      '--debug',
      'snapshot',
      '--filter',
      'k8s,topology',
      '-o',
      `cm://no-such-ns-${rnd()}/snap`,
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /namespace "no-such-ns-[0-9a-f]+" not found/);
    // No collector ran: the debug log has no trace of a collection.
    assert.doesNotMatch(r.stderr, /collecting snapshot|collected /, r.stderr);
    assert.ok(Date.now() - t0 < 30_000);
  });

  it('a bad token is exit 4 (credentials rejected)', async () => {
    const kc = kubeconfigWith(
      'bad-token',
      { server: admin.server, ...caData() },
      { token: 'not-a-valid-token' },
    );
    const r = await run(['recipe', '-s', `cm://${ns}/snap`], kc);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /rejected the credentials/);
  });

  it('an unreachable API server is exit 6 ("cannot reach")', async () => {
    const kc = kubeconfigWith('unreachable', { server: 'https://127.0.0.1:1', ...caData() }, { token: 'x' });
    const r = await run(['recipe', '-s', `cm://${ns}/snap`], kc);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /cannot reach Kubernetes API server https:\/\/127\.0\.0\.1:1/);
  });

  describe(
    'a restricted user (RBAC)',
    { skip: !restrictedKubeconfig && 'AICR_E2E_KUBECONFIG_RESTRICTED is not set' },
    () => {
      it('reading a ConfigMap outside its namespace is exit 4 naming verb and resource', async () => {
        const r = await run(['recipe', '-s', `cm://${ns}/snap`], restrictedKubeconfig);
        assert.equal(r.code, 4, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`permission "get" on "configmaps" in namespace "${ns}" is missing`),
        );
      });

      it('a cm:// write it may not do is refused (exit 4, verb and resource) before anything is collected', async () => {
        const r = await run(
          ['--debug', 'snapshot', '--filter', 'k8s,topology', '-o', `cm://${ns}/restricted-snap`],
          restrictedKubeconfig,
        );
        assert.equal(r.code, 4, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`permission "create" on "configmaps" in namespace "${ns}" is missing`),
        );
        assert.doesNotMatch(r.stderr, /collecting snapshot|collected /, r.stderr);
      });

      it('inside its namespace it reads and writes', async () => {
        const name = `restricted-${rnd()}`;
        const w = await run(
          ['recipe', '--service', 'eks', '--intent', 'training', '-o', `cm://${restrictedNamespace}/${name}`],
          restrictedKubeconfig,
        );
        assert.equal(w.code, 0, w.stderr);
        const r = await run(
          ['bundle', '-r', `cm://${restrictedNamespace}/${name}`, '-o', name],
          restrictedKubeconfig,
        );
        assert.equal(r.code, 0, r.stderr);
        assert.ok(readdirSync(path.join(dir, name)).includes('README.md'));
        await admin.req('DELETE', `/api/v1/namespaces/${restrictedNamespace}/configmaps/${name}`);
      });
    },
  );

  describe('a plain http:// server (kubectl proxy)', () => {
    let proxy: ChildProcess | undefined;
    let kcFile: string;
    before(async () => {
      if (!(await hasCommand('kubectl'))) return;
      proxy = spawn(
        'kubectl',
        ['proxy', '--port=0', '--address=127.0.0.1', '--kubeconfig', adminKubeconfig!],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        proxy!.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        proxy!.on('close', () => reject(new Error(`kubectl proxy exited: ${out}`)));
      });
      kcFile = kubeconfigWith('proxy', { server: `http://127.0.0.1:${port}` }, {});
    });
    after(() => {
      proxy?.kill('SIGTERM');
    });

    it('reads and writes cm:// through it', async (t) => {
      if (!proxy) return t.skip('kubectl is not installed');
      const w = await run(['snapshot', '--filter', 'k8s', '-o', `cm://${ns}/via-proxy`], kcFile);
      assert.equal(w.code, 0, w.stderr);
      assert.doesNotMatch(w.stderr, /HTTP protocol is not allowed/);
      const r = await run(['recipe', '-s', `cm://${ns}/via-proxy`, '--intent', 'training'], kcFile);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parse(r.stdout).kind, 'RecipeResult');
    });
  });
});

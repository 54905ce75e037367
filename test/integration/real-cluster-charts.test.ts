/**
 * Our values against the REAL charts, where a chart's source ships in its Go module (downloaded through
 * the Go module proxy with `go mod download`), and the Argo CD Applications we generate against the real
 * Application CRD (`npm run test:cluster`; skipped with the reason printed unless AICR_E2E_KUBECONFIG is
 * set, and when go, helm or kubectl is missing or the module cannot be downloaded).
 *
 *  - cert-manager: `helm template` of the chart from github.com/cert-manager/cert-manager (its
 *    values.schema.json checks our values.yaml), with and without the scheduling flags, applied with
 *    server-side dry-run; an unknown key is rejected by the schema.
 *  - Argo CD: the Application CRD from github.com/argoproj/argo-cd/v3 (manifests/crds) is installed, and
 *    every Application of the training bundle passes server-side dry-run.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { adminKubeconfig, Api, cli, hasCommand, run, skipReason } from './real-cluster-helpers.js';

const CERT_MANAGER = 'github.com/cert-manager/cert-manager@v1.17.2';
const ARGO_CD = 'github.com/argoproj/argo-cd/v3@v3.0.0';
const RECIPE = ['--service', 'eks', '--accelerator', 'h100', '--intent', 'training', '--os', 'ubuntu'];
const SCHEDULING = [
  '--system-node-selector',
  'nodeGroup=system-pool',
  '--system-node-toleration',
  'dedicated=system:NoSchedule',
  '--accelerated-node-selector',
  'nodeGroup=gpu-worker',
  '--accelerated-node-toleration',
  'nvidia.com/gpu=present:NoSchedule',
];

/** Directory of a Go module, downloaded through the module proxy; undefined (with why) when it cannot be. */
async function goModule(mod: string): Promise<{ dir?: string; why?: string }> {
  const r = await run('go', ['mod', 'download', '-json', mod], {
    timeoutMs: 300_000,
    env: { GOFLAGS: '-mod=mod' },
  });
  if (r.code !== 0)
    return { why: `go mod download ${mod} failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}` };
  try {
    return { dir: JSON.parse(r.stdout).Dir as string };
  } catch {
    return { why: `go mod download ${mod}: unexpected output` };
  }
}

describe('real cluster: our values against the real charts', { skip: skipReason }, () => {
  let dir: string;
  let admin: Api;
  let missing: string | undefined;
  const createdNs: string[] = [];
  const ensureNs = async (ns: string) => {
    if ((await admin.req('GET', `/api/v1/namespaces/${ns}`)).status === 404) {
      await admin.createNamespace(ns);
      createdNs.push(ns);
    }
  };
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', [...args, '--kubeconfig', adminKubeconfig!], { input, timeoutMs: 300_000 });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-charts-'));
    admin = await Api.load(adminKubeconfig!);
    for (const cmd of ['go', 'helm', 'kubectl']) {
      if (!(await hasCommand(cmd))) {
        missing = `${cmd} is not installed`;
        return;
      }
    }
  });
  after(async () => {
    for (const ns of createdNs) await admin?.deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('cert-manager: helm template with our values (with and without scheduling flags) passes the chart schema and server-side dry-run', async (t) => {
    if (missing) return t.skip(missing);
    const mod = await goModule(CERT_MANAGER);
    if (!mod.dir) return t.skip(mod.why);
    const chart = path.join(dir, 'cert-manager');
    cpSync(path.join(mod.dir, 'deploy', 'charts', 'cert-manager'), chart, { recursive: true });
    const version = CERT_MANAGER.split('@')[1]!;
    writeFileSync(
      path.join(chart, 'Chart.yaml'),
      readFileSync(path.join(chart, 'Chart.template.yaml'), 'utf8')
        .replace(/^version: .*$/m, `version: ${version}`)
        .replace(/^appVersion: .*$/m, `appVersion: ${version}`)
        .replace('{{IS_PRERELEASE}}', 'false'),
    );
    const r = await cli(adminKubeconfig!, ['recipe', ...RECIPE, '-o', 'recipe.yaml'], dir);
    assert.equal(r.code, 0, r.stderr);
    const recipe = parse(readFileSync(path.join(dir, 'recipe.yaml'), 'utf8'));
    const ref = recipe.componentRefs.find((c: { name: string }) => c.name === 'cert-manager');
    assert.equal(ref.version, version, 'the recipe installs the chart version under test');
    await ensureNs(ref.namespace);
    // helm template assumes an old Kubernetes unless told: render for the cluster's version.
    const kubeVersion = (await admin.ok('GET', '/version')).json.gitVersion as string;
    for (const [label, flags] of [
      ['plain', []],
      ['scheduling', SCHEDULING],
    ] as const) {
      const out = `bundle-${label}`;
      const b = await cli(adminKubeconfig!, ['bundle', '-r', 'recipe.yaml', '-o', out, ...flags], dir);
      assert.equal(b.code, 0, b.stderr);
      const values = path.join(dir, out, 'cert-manager', 'values.yaml');
      const h = await run('helm', [
        'template',
        'cert-manager',
        chart,
        '-n',
        ref.namespace,
        '-f',
        values,
        '--kube-version',
        kubeVersion,
      ]);
      assert.equal(h.code, 0, `${label}: helm template: ${h.stderr}`);
      const objects = h.stdout.split(/^---$/m).filter((d) => /^kind:/m.test(d)).length;
      assert.ok(objects >= 30, `${label}: ${objects} objects`);
      const k = await kubectl(['apply', '--dry-run=server', '-f', '-'], h.stdout);
      assert.equal(k.code, 0, `${label}: ${k.stderr}`);
      t.diagnostic(`${label}: ${objects} objects rendered, all accepted by server-side dry-run`);
      if (label === 'scheduling') {
        assert.match(h.stdout, /nodeGroup: system-pool/);
      }
    }
    // The chart's schema does check our values: an unknown key is refused.
    const bad = await run('helm', [
      'template',
      'cert-manager',
      chart,
      '-f',
      path.join(dir, 'bundle-plain', 'cert-manager', 'values.yaml'),
      '--kube-version',
      kubeVersion,
      '--set',
      'notAKnownKey=1',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /schema|additional properties|notAKnownKey/i);
  });

  it('Argo CD: every generated Application passes server-side dry-run against the real Application CRD', async (t) => {
    if (missing) return t.skip(missing);
    const mod = await goModule(ARGO_CD);
    if (!mod.dir) return t.skip(mod.why);
    const crd = path.join(mod.dir, 'manifests', 'crds', 'application-crd.yaml');
    const c = await kubectl(['apply', '--server-side', '-f', crd]);
    assert.equal(c.code, 0, c.stderr);
    try {
      await kubectl(['wait', '--for=condition=Established', 'crd/applications.argoproj.io', '--timeout=60s']);
      const r = await cli(
        adminKubeconfig!,
        ['recipe', ...RECIPE, '--platform', 'kubeflow', '-o', 'recipe-argo.yaml'],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      const out = path.join(dir, 'argo');
      const b = await cli(
        adminKubeconfig!,
        [
          'bundle',
          '-r',
          'recipe-argo.yaml',
          '-d',
          'argocd',
          '--repo',
          'https://git.example.com/gpu.git',
          '-o',
          out,
        ],
        dir,
      );
      assert.equal(b.code, 0, b.stderr);
      const apps: string[] = [];
      for (const name of readdirSync(out).sort()) {
        const f = path.join(out, name, 'application.yaml');
        try {
          readFileSync(f);
          apps.push(f);
        } catch {
          /* not a component folder */
        }
      }
      assert.ok(apps.length >= 5, `${apps.length} Applications`);
      const namespaces = new Set(
        apps.map((f) => parse(readFileSync(f, 'utf8')).metadata?.namespace ?? 'argocd'),
      );
      for (const ns of namespaces) await ensureNs(ns);
      const k = await kubectl(['apply', '--dry-run=server', ...apps.flatMap((f) => ['-f', f])]);
      assert.equal(k.code, 0, k.stderr);
      assert.equal((k.stdout.match(/created \(server dry run\)/g) ?? []).length, apps.length, k.stdout);
      t.diagnostic(`${apps.length} Applications accepted by server-side dry-run`);
    } finally {
      await kubectl(['delete', '-f', crd, '--ignore-not-found']);
    }
  });
});

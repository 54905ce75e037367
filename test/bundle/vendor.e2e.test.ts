/**
 * `aicr bundle --vendor-charts` and `aicr verify` through the built CLI, against real helm and real
 * chart sources on 127.0.0.1: two classic repositories (`helm repo index` served by node:http, one with
 * basic auth registered through `helm repo add --username/--password` in a private helm home) and a
 * CNCF distribution registry (`helm push … --plain-http`). Charts are made with `helm create` +
 * `helm package`. After bundling, both servers stop; deploy.sh then runs against recording helm/kubectl
 * stand-ins and real `helm template` renders every vendored archive with its values file: nothing needs
 * the network after bundling. Skips with the reason when helm or the registry is not built.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';
import { findTool, toolSkipReason } from '../helpers/tools.js';
import { cleanup, readTree, run, tempDir } from './helpers.js';

const skip = toolSkipReason('helm') || toolSkipReason('registry');
if (skip) console.log(`# skipping vendored-chart tests: ${skip}`);

const USER = 'vendor-user';
const PASS = 'S3cret-Pa55-do-not-print';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A static classic chart repository (index.yaml + archives), optionally behind basic auth. */
function serveRepo(dir: string, auth?: string): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    if (auth && req.headers.authorization !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end('unauthorized\n');
      return;
    }
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    if (!/^[\w.-]+$/.test(name) || !existsSync(path.join(dir, name))) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200).end(readFileSync(path.join(dir, name)));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }),
    ),
  );
}

const close = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));

function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

const FAKE = `#!/usr/bin/env bash
echo "$(basename "$0") $*" >>"\${CALL_LOG}"
if [[ "$(basename "$0")" == "kubectl" && "$*" == create* ]]; then echo "apiVersion: v1"; fi
if [[ "$*" == *"-f -"* ]]; then cat >/dev/null; fi
exit 0
`;

describe(
  'bundle --vendor-charts and verify, with real helm, repositories and an OCI registry',
  { skip },
  () => {
    const helm = findTool('helm')!;
    const registryBin = findTool('registry')!;
    let dir: string;
    let env: Record<string, string>;
    let repoA: { server: http.Server; url: string };
    let repoB: { server: http.Server; url: string };
    let registry: ChildProcess | undefined;
    let ociUrl: string;
    let recipe: string;
    let data: string;
    let bundle: string;
    let ociManifestDigest = '';

    /** helm, asynchronously: the test's own servers must keep answering while it runs. */
    const helmRun = (args: string[], cwd?: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(helm, args, {
          cwd,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        p.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
        p.on('error', reject);
        p.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`helm ${args.join(' ')} exited ${code}: ${err}`)),
        );
      });
    const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
      runCli(args, { env: { ...env, NO_COLOR: '1', ...extra }, timeoutMs: 240_000 });

    /** `helm create` + version + a values file, then `helm package` into `dest`. */
    async function makeChart(name: string, version: string, dest: string): Promise<string> {
      const src = path.join(dir, 'src');
      mkdirSync(src, { recursive: true });
      await helmRun(['create', name], src);
      const chartYaml = path.join(src, name, 'Chart.yaml');
      writeFileSync(
        chartYaml,
        readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, `version: ${version}`),
      );
      mkdirSync(dest, { recursive: true });
      await helmRun(['package', path.join(src, name), '--destination', dest]);
      return path.join(dest, `${name}-${version}.tgz`);
    }

    function writeRecipe(
      file: string,
      comps: { name: string; chart?: string; source: string; version: string }[],
    ) {
      writeFileSync(
        file,
        'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncomponentRefs:\n' +
          comps
            .map(
              (c) =>
                `  - name: ${c.name}\n    namespace: ${c.name}\n    type: Helm\n    chart: ${c.chart ?? c.name}\n` +
                `    source: ${c.source}\n    version: ${c.version}\n    valuesFile: components/${c.name}/values.yaml\n`,
            )
            .join('') +
          `deploymentOrder: [${comps.map((c) => c.name).join(', ')}]\n`,
      );
    }

    before(async () => {
      dir = tempDir('aicr-vendor-');
      const home = path.join(dir, 'helm');
      env = {
        PATH: `${path.dirname(helm)}:${process.env.PATH}`,
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_DATA_HOME: path.join(home, 'data'),
      };
      // Charts: alpha (open classic repo), gamma (classic repo with basic auth), beta (OCI registry).
      await makeChart('alpha', '1.2.3', path.join(dir, 'repo-a'));
      await makeChart('gamma', '2.0.0', path.join(dir, 'repo-b'));
      const betaTgz = await makeChart('beta', '0.4.0', path.join(dir, 'oci-src'));
      repoA = await serveRepo(path.join(dir, 'repo-a'));
      repoB = await serveRepo(path.join(dir, 'repo-b'), `${USER}:${PASS}`);
      await helmRun(['repo', 'index', path.join(dir, 'repo-a'), '--url', repoA.url]);
      await helmRun(['repo', 'index', path.join(dir, 'repo-b'), '--url', repoB.url]);
      await helmRun(['repo', 'add', 'private', repoB.url, '--username', USER, '--password', PASS]);

      const port = await freePort();
      const cfg = path.join(dir, 'registry.yml');
      writeFileSync(
        cfg,
        `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'registry-data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
      );
      registry = spawn(registryBin, ['serve', cfg], { stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error('the registry did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      ociUrl = `oci://127.0.0.1:${port}/charts`;
      await helmRun(['push', betaTgz, ociUrl, '--plain-http']);
      const head = await fetch(`http://127.0.0.1:${port}/v2/charts/beta/manifests/0.4.0`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      ociManifestDigest = head.headers.get('docker-content-digest') ?? '';

      data = path.join(dir, 'data');
      writeFileSync(path.join(dir, 'registry.yaml'), '');
      mkdirSync(data);
      writeFileSync(
        path.join(data, 'registry.yaml'),
        'apiVersion: aicr.nvidia.com/v1alpha1\nkind: ComponentRegistry\ncomponents:\n' +
          ['alpha', 'beta', 'gamma']
            .map((c) => `  - name: ${c}\n    displayName: ${c}\n    helm:\n      defaultNamespace: ${c}\n`)
            .join(''),
      );
      for (const [c, n] of [
        ['alpha', 2],
        ['beta', 3],
        ['gamma', 4],
      ] as const) {
        mkdirSync(path.join(data, 'components', c), { recursive: true });
        writeFileSync(path.join(data, 'components', c, 'values.yaml'), `replicaCount: ${n}\n`);
      }
      recipe = path.join(dir, 'recipe.yaml');
      writeRecipe(recipe, [
        { name: 'alpha', source: repoA.url, version: '1.2.3' },
        { name: 'beta', source: ociUrl, version: '0.4.0' },
        { name: 'gamma', source: repoB.url, version: '2.0.0' },
      ]);
      bundle = path.join(dir, 'bundle');
    });

    after(async () => {
      if (repoA?.server.listening) await close(repoA.server);
      if (repoB?.server.listening) await close(repoB.server);
      registry?.kill('SIGKILL');
      if (dir) cleanup(dir);
    });

    /** `aicr bundle --vendor-charts --plain-http` of the test recipe and catalog into `out`. */
    const vendorBundle = (out: string) =>
      cli(['bundle', '-r', recipe, '--data', data, '-o', out, '--vendor-charts', '--plain-http']);

    it('vendors each chart (classic, classic with basic auth, OCI) with provenance and checksums', async () => {
      const r = await vendorBundle(bundle);
      assert.equal(r.code, 0, r.stderr);
      const tree = readTree(bundle);
      const archives = [
        'alpha/charts/alpha-1.2.3.tgz',
        'beta/charts/beta-0.4.0.tgz',
        'gamma/charts/gamma-2.0.0.tgz',
      ];
      for (const a of archives) assert.ok(tree.has(a), `${a} in ${[...tree.keys()].join(', ')}`);
      // The archives are the very bytes the sources serve.
      assert.deepEqual(tree.get(archives[0]!), readFileSync(path.join(dir, 'repo-a', 'alpha-1.2.3.tgz')));
      assert.deepEqual(tree.get(archives[2]!), readFileSync(path.join(dir, 'repo-b', 'gamma-2.0.0.tgz')));
      const prov = parseYaml(tree.get('provenance.yaml')!.toString()) as { charts: Record<string, string>[] };
      assert.deepEqual(
        prov.charts.map((c) => [c.component, c.chart, c.version, c.source, c.path]),
        [
          ['alpha', 'alpha', '1.2.3', repoA.url, archives[0]],
          ['beta', 'beta', '0.4.0', ociUrl, archives[1]],
          ['gamma', 'gamma', '2.0.0', repoB.url, archives[2]],
        ],
      );
      for (const c of prov.charts) assert.equal(c.digest, `sha256:${sha256(tree.get(c.path!)!)}`);
      assert.match(ociManifestDigest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(prov.charts[1]!.manifestDigest, ociManifestDigest);
      assert.equal(prov.charts[0]!.manifestDigest, undefined);
      const sums = tree.get('checksums.txt')!.toString();
      for (const f of [...archives, 'provenance.yaml'])
        assert.match(sums, new RegExp(`^${sha256(tree.get(f)!)}  ${f}$`, 'm'));
      // deploy.sh installs from the archives, never from a repository.
      const deploy = tree.get('deploy.sh')!.toString();
      assert.match(
        deploy,
        /helm upgrade --install alpha "\$\{SCRIPT_DIR\}"\/alpha\/charts\/alpha-1\.2\.3\.tgz -n alpha /,
      );
      assert.doesNotMatch(deploy, /--repo |oci:\/\/|helm repo |helm pull/);
      assert.match(r.stderr, /pulling chart beta 0\.4\.0 for beta/);
      assert.match(r.stderr, /pulled chart gamma 2\.0\.0 for gamma \(.*; [123]\/3\)/);
      assert.match(r.stderr, /pulled chart .*; 3\/3\)/);
      // Credentials are helm's: never printed, never in the bundle.
      assert.ok(!r.stderr.includes(PASS) && !r.stdout.includes(PASS));
      for (const [f, c] of tree) assert.ok(!c.includes(PASS), `${f} holds the password`);
    });

    it('is byte-identical on a rerun', async () => {
      const again = path.join(dir, 'bundle-again');
      const r = await vendorBundle(again);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readTree(again), readTree(bundle));
      rmSync(again, { recursive: true });
    });

    it('aicr verify passes on the fresh bundle (text and JSON)', async () => {
      const r = await cli(['verify', bundle]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /✓ Checksums verified \(\d+ files\)/);
      assert.match(r.stdout, /✓ Provenance verified \(3 vendored charts\)/);
      assert.match(r.stdout, /✓ Recipe matches the bundle's components \(3\)/);
      assert.match(r.stdout, /Trust level: unverified\nBundle verification: PASSED/);
      const j = await cli(['verify', bundle, '--format', 'json']);
      assert.equal(j.code, 0, j.stderr);
      const doc = JSON.parse(j.stdout);
      assert.equal(doc.status, 'pass');
      assert.equal(doc.checksumsPassed, true);
      assert.equal(doc.vendoredCharts, 3);
      assert.deepEqual(doc.problems, []);
    });

    it('maps helm failures to exit codes naming the component and source, leaving no bundle', async () => {
      const cases: {
        name: string;
        comp: { name: string; source: string; version: string; chart?: string };
        code: number;
        re: RegExp;
        extra?: string[];
      }[] = [
        {
          name: 'unknown version',
          comp: { name: 'alpha', source: repoA.url, version: '9.9.9' },
          code: 3,
          re: /not found/,
        },
        {
          name: 'unknown OCI chart',
          comp: { name: 'beta', chart: 'nosuch', source: ociUrl, version: '0.4.0' },
          code: 3,
          re: /not found/,
        },
        // A repositories file without the credentials: helm pulls anonymously and gets 401.
        {
          name: 'auth',
          comp: { name: 'gamma', source: repoB.url, version: '2.0.0' },
          code: 4,
          re: /not authorized/,
          extra: ['--repository-config', path.join(dir, 'empty-repositories.yaml')],
        },
      ];
      writeFileSync(
        path.join(dir, 'empty-repositories.yaml'),
        'apiVersion: ""\ngenerated: "0001-01-01T00:00:00Z"\nrepositories: []\n',
      );
      for (const c of cases) {
        const file = path.join(dir, `recipe-${c.comp.name}.yaml`);
        writeRecipe(file, [c.comp]);
        const out = path.join(dir, `out-${c.comp.name}`);
        const r = await cli([
          'bundle',
          '-r',
          file,
          '--data',
          data,
          '-o',
          out,
          '--vendor-charts',
          '--plain-http',
          ...(c.extra ?? []),
        ]);
        assert.equal(r.code, c.code, `${c.name}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`component "${c.comp.name}": cannot vendor chart`), c.name);
        assert.ok(
          r.stderr.includes(c.comp.source.replace(/^oci:\/\//, '')),
          `${c.name}: source named: ${r.stderr}`,
        );
        assert.match(r.stderr, c.re, c.name);
        assert.ok(!r.stderr.includes(PASS));
        assert.ok(!existsSync(out), `${c.name}: no bundle left behind`);
        assert.deepEqual(
          readdirSync(dir).filter((n) => n.startsWith(`.out-${c.comp.name}.`)),
          [],
          `${c.name}: no staging left behind`,
        );
      }
    });

    it('refuses --vendor-charts with the Argo CD deployer, and helm flags without it (exit 2)', async () => {
      const r = await cli([
        'bundle',
        '-r',
        recipe,
        '-o',
        path.join(dir, 'argo'),
        '--deployer',
        'argocd',
        '--repo',
        'https://example.com/x.git',
        '--vendor-charts',
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--vendor-charts works with --deployer helm only/);
      const p = await cli(['bundle', '-r', recipe, '-o', path.join(dir, 'p'), '--plain-http']);
      assert.equal(p.code, 2, p.stderr);
      assert.match(p.stderr, /--plain-http only applies with --vendor-charts/);
    });

    it('exit 2 naming helm when it is not on PATH', async () => {
      const r = await cli(
        ['bundle', '-r', recipe, '--data', data, '-o', path.join(dir, 'nohelm'), '--vendor-charts'],
        {
          PATH: path.dirname(process.execPath),
        },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /needs helm on PATH.*install helm/);
    });

    it('needs no network after bundling: deploy.sh with stand-ins, helm template of each archive', async () => {
      await close(repoA.server);
      await close(repoB.server);
      registry!.kill('SIGKILL');
      await new Promise((r) => registry!.once('exit', r));

      const bin = path.join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      for (const t of ['helm', 'kubectl']) {
        writeFileSync(path.join(bin, t), FAKE);
        chmodSync(path.join(bin, t), 0o755);
      }
      const log = path.join(dir, 'calls.log');
      writeFileSync(log, '');
      const d = run('bash', [path.join(bundle, 'deploy.sh'), '--no-wait'], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALL_LOG: log },
      });
      assert.equal(d.code, 0, d.stderr);
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const installs = calls.filter((c) => c.startsWith('helm upgrade --install'));
      assert.deepEqual(
        installs,
        ['alpha/charts/alpha-1.2.3.tgz', 'beta/charts/beta-0.4.0.tgz', 'gamma/charts/gamma-2.0.0.tgz'].map(
          (a) => {
            const c = a.split('/')[0]!;
            return `helm upgrade --install ${c} ${bundle}/${a} -n ${c} --create-namespace -f ${bundle}/${c}/values.yaml`;
          },
        ),
      );
      assert.ok(!calls.some((c) => /helm (repo|pull|registry)|--repo|oci:\/\//.test(c)), calls.join('\n'));

      // Real helm renders every archive with its values file, with the sources gone.
      for (const [c, n] of [
        ['alpha', 2],
        ['beta', 3],
        ['gamma', 4],
      ] as const) {
        const archive = readdirSync(path.join(bundle, c, 'charts'))[0]!;
        const t = run(
          helm,
          ['template', c, path.join(bundle, c, 'charts', archive), '-f', path.join(bundle, c, 'values.yaml')],
          {
            env: { ...process.env, ...env },
          },
        );
        assert.equal(t.code, 0, t.stderr);
        assert.match(t.stdout, new RegExp(`kind: Deployment[\\s\\S]*replicas: ${n}\\b`));
      }
    });

    it('exit 6 naming the component and source when the sources are unreachable; the old bundle stays', async () => {
      const before = readTree(bundle);
      const r = await vendorBundle(bundle);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /component "(alpha|beta|gamma)": cannot vendor chart .*source unreachable/);
      assert.deepEqual(readTree(bundle), before);
    });

    describe('aicr verify on a damaged copy fails (exit 9) naming the file', () => {
      const damage: [string, (b: string) => string][] = [
        [
          'one byte flipped in a chart archive',
          (b) => {
            const f = path.join(b, 'beta/charts/beta-0.4.0.tgz');
            const buf = readFileSync(f);
            buf[buf.length >> 1] ^= 0x01;
            writeFileSync(f, buf);
            return 'beta/charts/beta-0.4.0.tgz';
          },
        ],
        [
          'one byte flipped in a values file',
          (b) => {
            const f = path.join(b, 'alpha/values.yaml');
            const buf = readFileSync(f);
            buf[buf.length - 2] ^= 0x01;
            writeFileSync(f, buf);
            return 'alpha/values.yaml';
          },
        ],
        [
          'a file added',
          (b) => {
            writeFileSync(path.join(b, 'gamma', 'extra.yaml'), 'x: 1\n');
            return 'gamma/extra.yaml';
          },
        ],
        [
          'a file deleted',
          (b) => {
            unlinkSync(path.join(b, 'gamma', 'README.md'));
            return 'gamma/README.md';
          },
        ],
      ];
      for (const [what, hurt] of damage) {
        it(what, async () => {
          const copy = path.join(dir, `copy-${what.replace(/\W+/g, '-')}`);
          cpSync(bundle, copy, { recursive: true });
          const file = hurt(copy);
          const r = await cli(['verify', copy]);
          assert.equal(r.code, 9, r.stdout + r.stderr);
          assert.match(r.stdout, new RegExp(`- \\[checksums\\] ${file.replace(/\./g, '\\.')}: `));
          assert.match(r.stdout, /Bundle verification: FAILED/);
          assert.match(r.stderr, /bundle verification failed: \d+ problems? in /);
          const j = await cli(['verify', copy, '--format', 'json']);
          assert.equal(j.code, 9);
          const doc = JSON.parse(j.stdout);
          assert.equal(doc.status, 'fail');
          assert.ok(
            doc.problems.some((p: { path: string }) => p.path === file),
            j.stdout,
          );
          if (what.includes('chart archive')) {
            // The archive no longer matches provenance.yaml's digest either.
            assert.ok(
              doc.problems.some(
                (p: { check: string; path: string }) => p.check === 'provenance' && p.path === file,
              ),
            );
          }
        });
      }
    });
  },
);

describe('aicr verify without vendored charts', () => {
  let dir: string;
  before(() => {
    dir = tempDir('aicr-verify-');
  });
  after(() => cleanup(dir));

  it('passes on a plain Helm bundle and on an Argo CD bundle; not found is exit 3', async () => {
    const recipeFile = path.join(dir, 'recipe.yaml');
    const r0 = await runCli(['recipe', '--service', 'eks', '--intent', 'training', '-o', recipeFile]);
    assert.equal(r0.code, 0, r0.stderr);
    const helmB = path.join(dir, 'helm');
    assert.equal((await runCli(['bundle', '-r', recipeFile, '-o', helmB])).code, 0);
    const v = await runCli(['verify', helmB]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /No vendored charts/);
    const argo = path.join(dir, 'argo');
    assert.equal(
      (
        await runCli([
          'bundle',
          '-r',
          recipeFile,
          '-o',
          argo,
          '-d',
          'argocd',
          '--repo',
          'https://example.com/g.git',
        ])
      ).code,
      0,
    );
    const a = await runCli(['verify', argo, '--format', 'yaml']);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /recipeChecked: false/);
    const nf = await runCli(['verify', path.join(dir, 'nope')]);
    assert.equal(nf.code, 3);
    assert.match(nf.stderr, /bundle directory not found/);
  });

  it('a folder that is not a recipe component, a symlink, a bad checksum line and a trust-level policy', async () => {
    const recipeFile = path.join(dir, 'recipe.yaml');
    const b = path.join(dir, 'helm2');
    assert.equal((await runCli(['bundle', '-r', recipeFile, '-o', b])).code, 0);
    const min = await runCli(['verify', b, '--min-trust-level', 'attested']);
    assert.equal(min.code, 2);
    assert.match(min.stderr, /trust level "unverified" does not meet minimum "attested"/);
    assert.equal((await runCli(['verify', b, '--min-trust-level', 'unverified'])).code, 0);
    // A component folder the recipe does not list, with a listed file (checksums alone would pass).
    mkdirSync(path.join(b, 'stray'));
    writeFileSync(path.join(b, 'stray', 'a.yaml'), 'a: 1\n');
    const sums = path.join(b, 'checksums.txt');
    writeFileSync(
      sums,
      readFileSync(sums, 'utf8') +
        `${sha256('a: 1\n')}  stray/a.yaml\n../../etc/passwd-not-read\n${'0'.repeat(64)}  ../outside\n`,
    );
    symlinkSync('/etc/hostname', path.join(b, 'link.yaml'));
    const r = await runCli(['verify', b, '--format', 'json']);
    assert.equal(r.code, 9);
    const doc = JSON.parse(r.stdout);
    const lines = doc.errors.join('\n');
    assert.match(lines, /stray: folder is not a component of recipe\.yaml/);
    assert.match(lines, /invalid checksum line/);
    assert.match(lines, /path "\.\.\/outside" leaves the bundle/);
    assert.equal(doc.recipePassed, false);
    assert.equal(doc.trustLevel, 'unknown');
    assert.match(lines, /link\.yaml: not listed in checksums\.txt and not a regular file/);
  });
});

describe('bundle --vendor-charts interrupted during a pull', { skip: toolSkipReason('helm') }, () => {
  let dir: string;
  let server: http.Server;
  const held: http.ServerResponse[] = [];
  before(async () => {
    dir = tempDir('aicr-vendor-int-');
    // A repository that accepts the request and never answers: the pull hangs.
    server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await close(server);
    cleanup(dir);
  });

  it('reports a long pull, and SIGINT kills helm and leaves no bundle (exit 130)', async () => {
    const port = (server.address() as net.AddressInfo).port;
    const recipe = path.join(dir, 'recipe.yaml');
    writeFileSync(
      recipe,
      'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncomponentRefs:\n' +
        `  - name: slow\n    namespace: slow\n    type: Helm\n    chart: slow\n    source: http://127.0.0.1:${port}\n    version: 1.0.0\n`,
    );
    const out = path.join(dir, 'out');
    const helm = findTool('helm')!;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      PATH: `${path.dirname(helm)}:${process.env.PATH}`,
      HELM_CONFIG_HOME: path.join(dir, 'helm', 'config'),
      HELM_CACHE_HOME: path.join(dir, 'helm', 'cache'),
      HELM_DATA_HOME: path.join(dir, 'helm', 'data'),
    };
    delete env.AICR_DEBUG;
    delete env.AICR_LOG_JSON;
    const proc = spawn(process.execPath, [cliPath, 'bundle', '-r', recipe, '-o', out, '--vendor-charts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    proc.stdout!.resume();
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    const t0 = Date.now();
    while (!/still pulling chart slow 1\.0\.0 for slow \(1\ds\)/.test(stderr)) {
      if (Date.now() - t0 > 40_000) throw new Error(`no progress line: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(held.length > 0, 'helm reached the repository');
    proc.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT: bundle not written/);
    assert.ok(!existsSync(out));
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('.out.')),
      [],
    );
    // helm is gone with its process group: no process still has the staging path on its command line.
    const ps = run('ps', ['-eo', 'args']);
    assert.ok(!ps.stdout.includes(`${dir}/.out.aicr-staging`), ps.stdout);
  });
});

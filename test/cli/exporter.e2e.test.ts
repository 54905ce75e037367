/**
 * `aicr exporter` through the built CLI: a running exporter on a free port scraped over HTTP (node facts,
 * recipe constraint series, collection metrics), the text checked by `promtool check metrics`; /healthz,
 * 404 and 405; graceful SIGTERM; bad --listen; the example alerting rules checked and unit-tested with
 * promtool; --print-manifests parse and are byte-stable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli, writeTrainingRecipe } from '../helpers/cli.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { findTool, toolSkipReason } from '../helpers/tools.js';

let dir: string;
let recipe: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-exporter-'));
  recipe = path.join(dir, 'recipe.yaml');
  await writeTrainingRecipe(recipe, ['--os', 'ubuntu']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `aicr exporter --listen 127.0.0.1:0 …` and waits for its address on stderr. */
async function startExporter(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cliPath, 'exporter', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/http:\/\/127\.0\.0\.1:\d+\/metrics/.test(err)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`exporter did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(err)![1];
  return { child, base, stderr: () => err, exited };
}

/** Scrapes until at least `n` collections are in. */
async function scrape(base: string, n = 1): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = /^aicr_collections_total (\d+)/m.exec(text);
    if (m && Number(m[1]) >= n) return text;
    if (Date.now() > deadline) throw new Error(`no collection after 30s:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const series = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));

describe('aicr exporter (running)', () => {
  let ex: Running;
  let text: string;
  before(async () => {
    ex = await startExporter(['--interval', '1s', '--filter', 'os', '--recipe', recipe]);
    text = await scrape(ex.base, 2);
  });
  after(() => ex.child.kill('SIGKILL'));

  it('serves node facts, one series per evaluated constraint and collection metrics', () => {
    assert.equal(series(text, 'aicr_os_info').length, 1);
    assert.match(
      series(text, 'aicr_os_info')[0],
      /^aicr_os_info\{id="[^"]+",version_id="[^"]*",pretty_name="[^"]*"\} 1$/,
    );
    assert.match(series(text, 'aicr_kernel_info')[0] ?? '', /^aicr_kernel_info\{release="[^"]+"\} 1$/);
    assert.deepEqual(series(text, 'aicr_collector_up'), ['aicr_collector_up{collector="os"} 1']);
    const constraints = series(text, 'aicr_constraint_pass');
    assert.ok(constraints.length >= 1, text);
    for (const l of constraints)
      assert.match(l, /^aicr_constraint_pass\{constraint="[^"]+",phase="readiness"\} [01]$/);
    const byStatus = Object.fromEntries(
      series(text, 'aicr_constraints').map((l) => [/status="(\w+)"/.exec(l)![1], Number(l.split(' ').pop())]),
    );
    assert.equal(byStatus.pass + byStatus.fail + byStatus.error, constraints.length);
    assert.ok(Number(/^aicr_collections_total (\d+)/m.exec(text)![1]) >= 2);
    assert.match(text, /^aicr_collection_duration_seconds_count \d+$/m);
    assert.match(text, /^aicr_collection_errors_total\{collector="os"\} 0$/m);
    const last = Number(/^aicr_last_success_timestamp_seconds (\d+)/m.exec(text)![1]);
    assert.ok(Math.abs(last - Date.now() / 1000) < 120, String(last));
    assert.match(text, /^# TYPE aicr_collection_duration_seconds histogram$/m);
    assert.match(text, /^# HELP aicr_gpus /m);
  });

  it('promtool check metrics accepts the scraped text', { skip: toolSkipReason('promtool') }, () => {
    const r = spawnSync(findTool('promtool')!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('/healthz is ok; other paths 404; other methods 405', async () => {
    const h = await fetch(`${ex.base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'ok\n');
    assert.equal((await fetch(`${ex.base}/nope`)).status, 404);
    assert.equal((await fetch(`${ex.base}/metrics`, { method: 'POST', body: 'x' })).status, 405);
  });

  it('SIGTERM stops it gracefully with exit 0 and closes the port', async () => {
    ex.child.kill('SIGTERM');
    const code = await Promise.race([ex.exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    assert.equal(code, 0, ex.stderr());
    assert.match(ex.stderr(), /received SIGTERM, shutting down/);
    await assert.rejects(fetch(`${ex.base}/healthz`));
  });
});

describe('aicr exporter (flags)', () => {
  it('--max-collections 1 collects once and exits 0', async () => {
    const ex = await startExporter(['--filter', 'os', '--max-collections', '1']);
    assert.equal(await ex.exited, 0, ex.stderr());
  });

  it('a malformed --listen, a port in use and a bad --interval are exit 2', async () => {
    let r = await runCli(['exporter', '--listen', 'localhost', '--max-collections', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid value "localhost" for --listen: expected \[host\]:port/);
    const busy = net.createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      r = await runCli([
        'exporter',
        '--listen',
        `127.0.0.1:${port}`,
        '--filter',
        'os',
        '--max-collections',
        '1',
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--listen 127\.0\.0\.1:\d+: cannot listen \(EADDRINUSE/);
    } finally {
      busy.close();
    }
    r = await runCli(['exporter', '--interval', '0s']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--interval/);
    r = await runCli(['exporter', '--recipe', path.join(dir, 'missing.yaml'), '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 3);
  });
});

describe('example alerting rules (docs/examples/prometheus)', { skip: toolSkipReason('promtool') }, () => {
  const rulesDir = path.join(repoRoot, 'docs/examples/prometheus');
  it('promtool check rules', () => {
    const r = spawnSync(findTool('promtool')!, ['check', 'rules', 'aicr-alerts.yaml'], {
      cwd: rulesDir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: 6 rules found/);
  });
  it('promtool test rules', () => {
    const r = spawnSync(findTool('promtool')!, ['test', 'rules', 'aicr-alerts.test.yaml'], {
      cwd: rulesDir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});

describe('aicr exporter --print-manifests', () => {
  it('renders ServiceAccount, RBAC, DaemonSet on GPU nodes and Service; byte-stable', async () => {
    const a = await runCli(['exporter', '--print-manifests', '-n', 'monitoring']);
    const b = await runCli(['exporter', '--print-manifests', '-n', 'monitoring']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const docs = parseAllDocuments(a.stdout).map((d) => d.toJS() as Record<string, any>);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Service'],
    );
    const ds = docs[3];
    assert.equal(ds.metadata.namespace, 'monitoring');
    const pod = ds.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
    assert.equal(pod.serviceAccountName, 'aicr-exporter');
    assert.deepEqual(pod.containers[0].args.slice(0, 3), ['exporter', '--listen', ':9477']);
    assert.deepEqual(pod.containers[0].ports, [{ name: 'metrics', containerPort: 9477, protocol: 'TCP' }]);
    assert.deepEqual(ds.spec.selector.matchLabels, docs[4].spec.selector);
    assert.equal(docs[2].subjects[0].namespace, 'monitoring');
  });

  it('--service-monitor, placement and the recipe URL are passed on; a local recipe file is refused', async () => {
    const r = await runCli([
      'exporter',
      '--print-manifests',
      '--service-monitor',
      '--node-selector',
      'pool=gpu',
      '--toleration',
      'nvidia.com/gpu:NoSchedule',
      '--recipe',
      'cm://monitoring/recipe',
      '--interval',
      '10m',
      '--image',
      'reg.local/aicr:1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
    assert.equal(docs.at(-1)!.kind, 'ServiceMonitor');
    assert.equal(docs.at(-1)!.spec.endpoints[0].port, 'metrics');
    const c = docs[3].spec.template.spec;
    assert.deepEqual(c.nodeSelector, { pool: 'gpu' });
    assert.deepEqual(c.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.equal(c.containers[0].image, 'reg.local/aicr:1');
    assert.deepEqual(c.containers[0].args, [
      'exporter',
      '--listen',
      ':9477',
      '--interval',
      '10m',
      '--recipe',
      'cm://monitoring/recipe',
      '--filter',
      'gpu,os,systemd,k8s',
    ]);
    const bad = await runCli(['exporter', '--print-manifests', '--recipe', recipe]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot be read inside the DaemonSet/);
    const ns = await runCli(['exporter', '--print-manifests', '-n', 'Bad_NS']);
    assert.equal(ns.code, 2);
  });
});

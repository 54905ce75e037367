// Bench rows against Kubernetes API servers: the in-process test API server of the tests
// (test/k8s/serve.ts, run in its own process so the figures are the CLI's alone) and a real control
// plane (scripts/realkube/up.sh with cached binaries; skipped with the reason when they are absent).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { cli, median, repoRoot, timeRun } from './_lib.mjs';

const env = { KUBECONFIG: '', AICR_DEBUG: '', AICR_LOG_JSON: '' };

/** Runs `snapshot --filter <filter>` `runs` times (after one warm-up); wall, CPU and RSS figures. */
function snapshotRuns(kubeconfig, filter, dir, runs) {
  const out = path.join(dir, `snap-${filter.replace(/\W/g, '')}.json`);
  const args = [cli, 'snapshot', '--filter', filter, '-k', kubeconfig, '-t', 'json', '-o', out];
  timeRun(process.execPath, args, { env: { ...env, HOME: dir } });
  const rs = Array.from({ length: runs }, () =>
    timeRun(process.execPath, args, { env: { ...env, HOME: dir } }),
  );
  return {
    wall: median(rs.map((r) => r.ms)) / 1000,
    cpu: median(rs.map((r) => r.cpuMs)) / 1000,
    rss: Math.max(...rs.map((r) => r.rssMb)),
    walls: rs.map((r) => (r.ms / 1000).toFixed(2)).join(', '),
    snap: JSON.parse(readFileSync(out, 'utf8')),
  };
}

function nodeCount(snap) {
  const topo = snap.measurements.find((m) => m.type === 'NodeTopology');
  const sub = topo?.subtypes?.find((s) => s.subtype === 'summary') ?? topo?.subtypes?.[0];
  return sub?.data?.['node-count'];
}

export async function bigClusterRow(row, tmp, status) {
  const dir = path.join(tmp, row.id);
  mkdirSync(dir, { recursive: true });
  const kubeconfig = path.join(dir, 'kubeconfig');
  const t0 = Date.now();
  status(`${row.id}: starting the test API server with ${row.nodes} nodes / ${row.pods} pods`);
  const server = spawn(
    process.execPath,
    [
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      path.join(repoRoot, 'test/k8s/serve.ts'),
      '--nodes',
      String(row.nodes),
      '--pods',
      String(row.pods),
      '--kubeconfig',
      kubeconfig,
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    await new Promise((resolve, reject) => {
      server.on('exit', (code) => reject(new Error(`test API server exited (${code})`)));
      createInterface(server.stdout).once('line', resolve);
    });
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    status(`${row.id}: server ready in ${Date.now() - t0} ms; ${runs} snapshots`);
    const m = snapshotRuns(kubeconfig, 'k8s,topology', dir, runs);
    const count = nodeCount(m.snap);
    if (count !== row.nodes) throw new Error(`expected node-count ${row.nodes}, got ${count}`);
    return {
      figure: `${m.wall.toFixed(2)} s, ${m.rss.toFixed(0)} MB (CPU ${m.cpu.toFixed(2)} s)`,
      met: m.wall <= row.wallS && m.rss <= row.rssMb,
      note: `walls ${m.walls} s; node-count ${count} checked`,
    };
  } finally {
    server.stdin.end();
    server.kill('SIGTERM');
  }
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function realKubeRow(tmp, status) {
  const bin =
    process.env.REALKUBE_BIN ||
    path.join(
      process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
      'aicr/realkube-v1.37.2-v3.6.7/bin',
    );
  const missing = ['etcd', 'kube-apiserver'].filter((b) => !existsSync(path.join(bin, b)));
  if (missing.length)
    return { figure: `skipped: no ${missing.join(', ')} in ${bin} (set REALKUBE_BIN)`, skipped: true };
  for (const t of ['openssl', 'curl'])
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0)
      return { figure: `skipped: ${t} not found (scripts/realkube/up.sh needs it)`, skipped: true };
  const dir = path.join(tmp, 'realkube');
  const ports = new Set();
  while (ports.size < 3) ports.add(await freePort());
  const [APISERVER_PORT, ETCD_PORT, KCM_PORT] = [...ports].map(String);
  const kenv = {
    ...process.env,
    REALKUBE_DIR: dir,
    REALKUBE_BIN: bin,
    WITH_KCM: '0',
    APISERVER_PORT,
    ETCD_PORT,
    KCM_PORT,
  };
  status(`realkube: starting etcd + kube-apiserver from ${bin}`);
  try {
    const up = spawnSync('bash', [path.join(repoRoot, 'scripts/realkube/up.sh')], {
      env: kenv,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (up.status !== 0)
      return {
        figure: `error: control plane did not come up: ${up.stderr.trim().split('\n').at(-1)}`,
        met: false,
      };
    const kubeconfig = path.join(dir, 'kubeconfig-admin');
    const nodes = 5000;
    status(`realkube: creating ${nodes} Node objects`);
    const mk = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'bench/_realkube-nodes.ts'), kubeconfig, String(nodes)],
      { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 },
    );
    if (mk.status !== 0) throw new Error(`creating nodes failed: ${mk.stderr}`);
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    const m = snapshotRuns(kubeconfig, 'topology', dir, runs);
    const count = nodeCount(m.snap);
    if (count !== nodes) throw new Error(`expected node-count ${nodes}, got ${count}`);
    return {
      figure: `${m.wall.toFixed(2)} s, ${m.rss.toFixed(0)} MB (CPU ${m.cpu.toFixed(2)} s)`,
      note: `walls ${m.walls} s; ${mk.stdout.trim()}; node-count ${count} checked`,
    };
  } finally {
    spawnSync('bash', [path.join(repoRoot, 'scripts/realkube/down.sh'), '--purge'], { env: kenv });
  }
}

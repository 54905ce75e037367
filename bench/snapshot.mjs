#!/usr/bin/env node
// `aicr snapshot` benchmarks.
//  1. Local snapshot (all collectors, no cluster configured) wall time as a ratio to `node -e 0`,
//     interleaved rounds in one run.
//  2. K8s + NodeTopology collectors (`--filter k8s,topology`) against the fake API server holding
//     5,000 nodes and 100,000 pods, run in its own process so the figures are the CLI's alone:
//     wall time and peak RSS. Targets: ≤ 3 s and ≤ 300 MB.
// Options (env): BENCH_NODES, BENCH_PODS, BENCH_RUNS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { cli, measure, median, repoRoot, requireBuild } from './_lib.mjs';

requireBuild();
const node = process.execPath;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-bench-snapshot-'));
// No kubeconfig anywhere: the local snapshot degrades the cluster collectors with one warning.
const env = { HOME: tmp, KUBECONFIG: '', AICR_DEBUG: '', AICR_LOG_JSON: '' };

try {
  // ---------------------------------------------------------------- 1. local snapshot vs node -e 0
  const cases = {
    'node -e 0': [node, ['-e', '0']],
    'aicr snapshot': [node, [cli, 'snapshot']],
    'aicr snapshot --filter os': [node, [cli, 'snapshot', '--filter', 'os']],
  };
  for (const [cmd, args] of Object.values(cases)) measure(cmd, args, { n: 2, env });
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, { t: [], rss: 0 }]));
  for (let r = 0; r < 5; r++) {
    for (const [name, [cmd, args]] of Object.entries(cases)) {
      const m = measure(cmd, args, { n: 3, env });
      samples[name].t.push(m.medianMs);
      samples[name].rss = Math.max(samples[name].rss, m.peakRssMb);
    }
  }
  const base = median(samples['node -e 0'].t);
  console.log('local snapshot (this machine, no cluster configured)');
  console.log(
    'case'.padEnd(28) + 'median ms'.padStart(10) + 'ratio'.padStart(8) + 'peak RSS MB'.padStart(13),
  );
  for (const [name, s] of Object.entries(samples)) {
    const m = median(s.t);
    console.log(
      name.padEnd(28) +
        m.toFixed(1).padStart(10) +
        (m / base).toFixed(2).padStart(8) +
        s.rss.toFixed(1).padStart(13),
    );
  }

  // ---------------------------------------------------------------- 2. big cluster
  const nodes = Number(process.env.BENCH_NODES ?? 5000);
  const pods = Number(process.env.BENCH_PODS ?? 100000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const kubeconfig = path.join(tmp, 'kubeconfig');
  const t0 = Date.now();
  const server = spawn(
    node,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test/k8s/serve.ts'),
      '--nodes',
      String(nodes),
      '--pods',
      String(pods),
      '--kubeconfig',
      kubeconfig,
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    await new Promise((resolve, reject) => {
      server.on('exit', (code) => reject(new Error(`fake API server exited (${code})`)));
      createInterface(server.stdout).once('line', resolve);
    });
    console.log(
      `\nK8s + NodeTopology against the fake API server: ${nodes} nodes, ${pods} pods (loaded in ${Date.now() - t0} ms, separate process)`,
    );
    const out = path.join(tmp, 'snap.json');
    const args = [cli, 'snapshot', '--filter', 'k8s,topology', '-k', kubeconfig, '-t', 'json', '-o', out];
    const timed = () => {
      // wall, CPU (user+sys) and peak RSS of the CLI process alone
      const t0 = process.hrtime.bigint();
      const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', node, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`aicr snapshot failed (${r.status}): ${r.stderr}`);
      const [u, sys, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
      return { wallMs, cpuMs: (u + sys) * 1000, rssMb: kb / 1024 };
    };
    timed(); // warm-up (server caches, file cache)
    const results = Array.from({ length: runs }, timed);
    const times = results.map((r) => r.wallMs);
    const rss = Math.max(...results.map((r) => r.rssMb));
    const snap = JSON.parse(readFileSync(out, 'utf8'));
    const topo = snap.measurements.find((m) => m.type === 'NodeTopology');
    const k8s = snap.measurements.find((m) => m.type === 'K8s');
    const nodeCount = topo?.subtypes?.[0]?.data?.['node-count'];
    const images = Object.keys(k8s?.subtypes?.find((s) => s.subtype === 'image')?.data ?? {}).length;
    if (nodeCount !== nodes) throw new Error(`expected node-count ${nodes}, got ${nodeCount}`);
    const wall = median(times);
    console.log('runs wall ms'.padEnd(28) + times.map((t) => t.toFixed(0)).join(', '));
    console.log('runs CPU ms (user+sys)'.padEnd(28) + results.map((r) => r.cpuMs.toFixed(0)).join(', '));
    console.log(
      'load average (1 min)'.padEnd(28) + os.loadavg()[0].toFixed(2) + ` on ${os.cpus().length} CPUs`,
    );
    console.log(
      'median wall ms'.padEnd(28) +
        wall.toFixed(0).padStart(10) +
        `   target ≤ 3000 ${wall <= 3000 ? 'ok' : 'MISSED'}`,
    );
    console.log(
      'peak RSS MB'.padEnd(28) +
        rss.toFixed(1).padStart(10) +
        `   target ≤ 300 ${rss <= 300 ? 'ok' : 'MISSED'}`,
    );
    console.log('checked'.padEnd(28) + `node-count ${nodeCount}, ${images} image keys`);
  } finally {
    server.stdin.end();
    server.kill('SIGTERM');
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

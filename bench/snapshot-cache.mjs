#!/usr/bin/env node
// `aicr snapshot --cache-ttl` benchmark: a snapshot collected anew (`--cache-ttl 5m --no-cache`,
// which also refreshes the cache entry) against one reused from the cache (`--cache-ttl 5m`),
// interleaved rounds in one run; wall time medians and the cold / cached ratio, for
//  1. the local snapshot, all collectors, no cluster configured (on a machine without nvidia-smi or
//     systemd the collection itself is cheap, so this mostly shows the cache's own cost);
//  2. the same with a cluster: the fake API server (test/k8s/serve.ts) with BENCH_NODES nodes (1000)
//     and BENCH_PODS pods (20000), in its own process.
// The cache lives in a temp XDG_CACHE_HOME. Options (env): BENCH_ROUNDS (5), BENCH_NODES, BENCH_PODS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { cli, measure, median, repoRoot, requireBuild } from './_lib.mjs';

requireBuild();
const node = process.execPath;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-bench-cache-'));
const env = {
  HOME: tmp,
  XDG_CACHE_HOME: path.join(tmp, 'cache'),
  KUBECONFIG: '',
  AICR_DEBUG: '',
  AICR_LOG_JSON: '',
};
const out = path.join(tmp, 'snap.yaml');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

function compare(title, extra) {
  const cases = {
    'node -e 0': [node, ['-e', '0']],
    'cold (--no-cache)': [node, [cli, 'snapshot', ...extra, '--cache-ttl', '5m', '--no-cache', '-o', out]],
    'cached (--cache-ttl 5m)': [node, [cli, 'snapshot', ...extra, '--cache-ttl', '5m', '-o', out]],
  };
  for (const [cmd, args] of Object.values(cases)) measure(cmd, args, { n: 2, env });
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, [cmd, args]] of Object.entries(cases)) {
      samples[name].push(measure(cmd, args, { n: 3, env }).medianMs);
    }
  }
  console.log(title);
  console.log('case'.padEnd(28) + 'median ms'.padStart(10));
  for (const [name, t] of Object.entries(samples))
    console.log(name.padEnd(28) + median(t).toFixed(1).padStart(10));
  const cold = median(samples['cold (--no-cache)']);
  const cached = median(samples['cached (--cache-ttl 5m)']);
  console.log('speed-up (cold / cached)'.padEnd(28) + (cold / cached).toFixed(2).padStart(10) + 'x');
  console.log(
    'load average (1 min)'.padEnd(28) + os.loadavg()[0].toFixed(2) + ` on ${os.cpus().length} CPUs`,
  );
}

try {
  compare('1. local snapshot, no cluster configured', []);
  const nodes = Number(process.env.BENCH_NODES ?? 1000);
  const pods = Number(process.env.BENCH_PODS ?? 20000);
  const kubeconfig = path.join(tmp, 'kubeconfig');
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
    console.log('');
    compare(`2. local snapshot with a cluster: fake API server, ${nodes} nodes, ${pods} pods`, [
      '-k',
      kubeconfig,
    ]);
  } finally {
    server.stdin.end();
    server.kill('SIGTERM');
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// Shared helpers for benchmarks: wall time of a command (median of N) and peak RSS via /usr/bin/time
// when available, else process.resourceUsage of the child.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cli = path.join(repoRoot, 'dist', 'aicr.cjs');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `cmd args` n times; returns { medianMs, peakRssMb }. */
export function measure(cmd, args, { n = 15, env, input } = {}) {
  const times = [];
  let peak = 0;
  const useTime = existsSync('/usr/bin/time');
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = useTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
          env: { ...process.env, ...env },
          input,
          encoding: 'utf8',
        })
      : spawnSync(cmd, args, { env: { ...process.env, ...env }, input, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    if (useTime) {
      const kb = Number(r.stderr.trim().split('\n').at(-1));
      if (Number.isFinite(kb)) peak = Math.max(peak, kb / 1024);
    }
  }
  return { medianMs: median(times), peakRssMb: peak };
}

export function requireBuild() {
  if (!existsSync(cli)) {
    console.error('dist/aicr.cjs not found: run `npm run build` first (npm run bench does)');
    process.exit(1);
  }
}

/** Criteria of the full training recipe the benchmarks use (eks/h100/ubuntu/training/kubeflow). */
export const TRAINING_CRITERIA = [
  '--service',
  'eks',
  '--accelerator',
  'h100',
  '--os',
  'ubuntu',
  '--intent',
  'training',
  '--platform',
  'kubeflow',
];

/**
 * Runs `cmd args` once; returns { ms, stdout, cpuMs, rssMb } (CPU and peak RSS of the child alone via
 * /usr/bin/time when available, else NaN). A non-zero exit is an error naming the command.
 */
export function timeRun(cmd, args, { env, input, cwd } = {}) {
  const useTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], {
        env: { ...process.env, ...env },
        input,
        cwd,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
    : spawnSync(cmd, args, { env: { ...process.env, ...env }, input, cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  let cpuMs = NaN;
  let rssMb = NaN;
  if (useTime) {
    const [u, s, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    cpuMs = (u + s) * 1000;
    rssMb = kb / 1024;
  }
  return { ms, stdout: r.stdout, cpuMs, rssMb };
}

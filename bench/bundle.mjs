#!/usr/bin/env node
// The interrupted-bundle check (issue 9 §2; `npm run bench -- interrupted`; the bundle's speed is a
// row of bench/run.mjs): N re-bundles of one output directory, each sent
// SIGINT, SIGTERM or SIGKILL at a random moment of its run; after each, the directory must hold the
// previous tree or the new one, whole (byte-equal to a reference run), and — after SIGINT/SIGTERM —
// nothing hidden beside it. Leftovers of a SIGKILL must be gone after the next run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { slowCatalog } from '../test/helpers/slow-catalog.mjs';
import { cli, requireBuild } from './_lib.mjs';

requireBuild();
const node = process.execPath;
const work = mkdtempSync(path.join(tmpdir(), 'aicr-bench-bundle-'));

function exec(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

try {
  await interruptedCheck(Number(process.env.AICR_BENCH_KILL_RUNS || 30));
} finally {
  rmSync(work, { recursive: true, force: true });
}

function treeHash(dir) {
  const h = createHash('sha256');
  const walk = (rel) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else
        h.update(`${r}\0`)
          .update(readFileSync(path.join(dir, r)))
          .update('\0');
    }
  };
  try {
    walk('');
  } catch {
    return 'missing';
  }
  return h.digest('hex');
}

async function interruptedCheck(runs) {
  const dir = path.join(work, 'interrupted');
  const cat = slowCatalog(dir, 6, 300000);
  const args = (out, variant) => [
    'bundle',
    '-r',
    cat.recipe,
    '--data',
    cat.data,
    '-o',
    out,
    '--set',
    `slow-00:variant=${variant}`,
  ];
  // Reference trees and the duration of an uninterrupted run.
  const ref = {};
  let durMs = 0;
  for (const v of ['a', 'b']) {
    const out = path.join(dir, `ref-${v}`);
    const t0 = Date.now();
    exec([cli, ...args(out, v)]);
    durMs = Math.max(durMs, Date.now() - t0);
    ref[v] = treeHash(out);
  }
  const out = path.join(dir, 'out');
  exec([cli, ...args(out, 'a')]);
  let current = 'a';
  const side = () => readdirSync(dir).filter((n) => n.startsWith('.out.aicr-'));
  const stats = { runs: 0, keptOld: 0, completeNew: 0, broken: 0, tempLeft: 0, badExit: 0, byExit: {} };
  const signals = ['SIGINT', 'SIGTERM', 'SIGKILL'];
  for (let i = 0; i < runs; i++) {
    const next = current === 'a' ? 'b' : 'a';
    const signal = signals[i % 3];
    // Half the moments anywhere in the run, half near its end (the commit and swap).
    const at = Math.floor(i % 2 ? Math.random() * durMs * 1.05 : durMs * (0.8 + Math.random() * 0.25));
    const hadLeftovers = side().length > 0;
    const child = spawn(node, [cli, ...args(out, next)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
    await new Promise((r) => setTimeout(r, at));
    child.kill(signal);
    const status = await exited;
    const key = status.code ?? status.sig;
    stats.byExit[key] = (stats.byExit[key] ?? 0) + 1;
    stats.runs++;
    const h = treeHash(out);
    if (h === ref[current]) stats.keptOld++;
    else if (h === ref[next]) {
      stats.completeNew++;
      current = next;
    } else stats.broken++;
    if (signal !== 'SIGKILL') {
      if (side().length && !hadLeftovers) stats.tempLeft++;
      const ok =
        status.code === 0 || status.code === (signal === 'SIGINT' ? 130 : 143) || status.sig === signal;
      if (!ok) stats.badExit++;
    }
  }
  // A final uninterrupted run recovers whatever a last SIGKILL left.
  exec([cli, ...args(out, current)]);
  const finalLeft = side().length;
  console.log(
    `\ninterrupted bundle: ${stats.runs} runs (~${durMs} ms each uninterrupted) sent SIGINT/SIGTERM/SIGKILL in turn at a random moment (half of them near the end)`,
  );
  console.log(
    `  tree whole afterwards: ${stats.keptOld + stats.completeNew}/${stats.runs} (old kept ${stats.keptOld}, new complete ${stats.completeNew}, broken ${stats.broken})`,
  );
  console.log(
    `  exit statuses: ${JSON.stringify(stats.byExit)}; unexpected after SIGINT/SIGTERM: ${stats.badExit}`,
  );
  console.log(
    `  hidden entries left by SIGINT/SIGTERM runs: ${stats.tempLeft}; left after a final run (SIGKILL leftovers recovered): ${finalLeft}`,
  );
  if (stats.broken || stats.tempLeft || stats.badExit || finalLeft) process.exitCode = 1;
}

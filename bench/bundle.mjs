#!/usr/bin/env node
// `aicr bundle` of the full training recipe (every component of eks/h100/ubuntu/training/kubeflow)
// relative to a bare `node -e 0`, with concurrent generation (default) and with --concurrency 1,
// measured side by side in interleaved rounds. Also prints the generation time the command reports
// itself (its "in N.NNs" summary), which excludes process start-up. Standalone: needs a build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, median, requireBuild, TRAINING_CRITERIA } from './_lib.mjs';

requireBuild();
const node = process.execPath;
const work = mkdtempSync(path.join(tmpdir(), 'aicr-bench-bundle-'));
const recipe = path.join(work, 'recipe.yaml');

function exec(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

try {
  exec([cli, 'recipe', ...TRAINING_CRITERIA, '-o', recipe]);
  let run = 0;
  const bundle = (extra) => () => {
    const out = path.join(work, `out-${run++}`);
    const r = exec([cli, 'bundle', '-r', recipe, '-o', out, ...extra]);
    rmSync(out, { recursive: true, force: true });
    const m = /Components: (\d+)[\s\S]*Files generated: (\d+) \(([^)]+)\) in ([\d.]+)s/.exec(r.stdout);
    return {
      ms: r.ms,
      internalMs: m ? Number(m[4]) * 1000 : NaN,
      components: m?.[1],
      files: m?.[2],
      size: m?.[3],
    };
  };
  const cases = {
    'node -e 0': () => exec(['-e', '0']),
    'aicr bundle': bundle([]),
    'aicr bundle --concurrency 1': bundle(['--concurrency', '1']),
  };
  for (const f of Object.values(cases)) f(); // warm the file cache
  const rounds = 7;
  const perRound = 3;
  const samples = Object.fromEntries(
    Object.keys(cases).map((k) => [k, { t: [], internal: [], last: undefined }]),
  );
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(cases)) {
      for (let i = 0; i < perRound; i++) {
        const res = f();
        samples[name].t.push(res.ms);
        if (Number.isFinite(res.internalMs)) samples[name].internal.push(res.internalMs);
        samples[name].last = res;
      }
    }
  }
  const base = median(samples['node -e 0'].t);
  const info = samples['aicr bundle'].last;
  console.log(
    `recipe: eks/h100/ubuntu/training/kubeflow, ${info.components} components, ${info.files} files (${info.size})`,
  );
  console.log(
    'case'.padEnd(30) + 'median ms'.padStart(10) + 'ratio'.padStart(8) + 'generation ms'.padStart(15),
  );
  for (const [name, s] of Object.entries(samples)) {
    const m = median(s.t);
    const gen = s.internal.length ? median(s.internal).toFixed(0) : '-';
    console.log(
      name.padEnd(30) + m.toFixed(1).padStart(10) + (m / base).toFixed(2).padStart(8) + gen.padStart(15),
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

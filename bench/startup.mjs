#!/usr/bin/env node
// Start-up cost of `aicr recipe` and `aicr query` relative to a bare `node -e 0`, measured side by
// side (interleaved rounds) in one run. Target: ratio ≤ 1.3.
import { cli, measure, median, requireBuild, TRAINING_CRITERIA } from './_lib.mjs';

requireBuild();
const node = process.execPath;
const recipeArgs = [cli, 'recipe', ...TRAINING_CRITERIA];
const queryArgs = [
  cli,
  'query',
  ...TRAINING_CRITERIA,
  '--selector',
  'components.gpu-operator.values.driver.version',
];
const cases = {
  'node -e 0': [node, ['-e', '0']],
  'aicr --version': [node, [cli, '--version']],
  'aicr recipe': [node, recipeArgs],
  'aicr query': [node, queryArgs],
};

// Warm the file cache, then interleave rounds so that machine noise hits every case alike.
for (const [cmd, args] of Object.values(cases)) measure(cmd, args, { n: 2 });
const rounds = 5;
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, { t: [], rss: 0 }]));
for (let r = 0; r < rounds; r++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const m = measure(cmd, args, { n: 5 });
    samples[name].t.push(m.medianMs);
    samples[name].rss = Math.max(samples[name].rss, m.peakRssMb);
  }
}
const base = median(samples['node -e 0'].t);
console.log('case'.padEnd(18) + 'median ms'.padStart(10) + 'ratio'.padStart(8) + 'peak RSS MB'.padStart(13));
for (const [name, s] of Object.entries(samples)) {
  const m = median(s.t);
  console.log(
    name.padEnd(18) +
      m.toFixed(1).padStart(10) +
      (m / base).toFixed(2).padStart(8) +
      s.rss.toFixed(1).padStart(13),
  );
}

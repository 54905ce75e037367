#!/usr/bin/env node
// `npm run bench [-- WORD...]`: every row of issue 16's performance table, each with its target and
// whether this run met it, measured side by side in one run; then the guards of earlier issues
// (interrupted bundles, large snapshots). Start-up rows are ratios to a bare `node -e 0` run
// interleaved with them (so machine noise hits every case alike). WORDs select rows by id or group
// (e.g. `startup`, `validate`, `bundle`, `cluster`, `cluster-5k`, `catalog`, `realkube`, `guards`);
// none selects everything. Env: BENCH_ROUNDS (start-up rounds, default 10), BENCH_RUNS (cluster runs,
// default 3), BENCH_STRICT=1 (exit 1 when a target is missed), REALKUBE_BIN (real control plane
// binaries; default ~/.cache/aicr/realkube-v1.37.2-v3.6.7/bin).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bigClusterRow, realKubeRow } from './_cluster.mjs';
import { catalogRow } from './_catalog.mjs';
import { cli, median, repoRoot, requireBuild, timeRun, TRAINING_CRITERIA } from './_lib.mjs';

const ROWS = [
  { id: 'recipe', group: 'startup', label: '`recipe` (eks h100 ubuntu training kubeflow)', ratio: 1.1 },
  { id: 'query', group: 'startup', label: '`query`', ratio: 1.1 },
  { id: 'validate', group: 'startup', label: '`validate` (training recipe vs a snapshot)', ratio: 1.2 },
  { id: 'bundle-helm', group: 'startup bundle', label: '`bundle`, full training recipe, helm', ratio: 1.4 },
  { id: 'bundle-argocd', group: 'startup bundle', label: '`bundle`, same, argocd', ratio: 1.4 },
  { id: 'snapshot-os', group: 'startup snapshot', label: 'local `snapshot --filter os`', ratio: 1.25 },
  { id: 'version', group: 'startup', label: '`--version` (guard, no target)' },
  {
    id: 'catalog-400',
    group: 'catalog bundle',
    label: '`bundle` of a 400-component `--data` catalog',
    wallS: 1.5,
  },
  {
    id: 'cluster-5k',
    group: 'cluster',
    label: 'K8s + NodeTopology, 5,000 nodes / 100,000 pods, test API server',
    wallS: 2.0,
    rssMb: 200,
    nodes: 5000,
    pods: 100000,
  },
  {
    id: 'cluster-20k',
    group: 'cluster',
    label: 'same, 20,000 nodes / 400,000 pods',
    wallS: 8,
    rssMb: 400,
    nodes: 20000,
    pods: 400000,
  },
  {
    id: 'realkube',
    group: 'cluster realkube',
    label: 'NodeTopology over 5,000 Node objects on the real control plane',
  },
];
const GUARDS = [
  { id: 'interrupted', script: 'bundle.mjs', label: 'interrupted bundles (issue 9)' },
  { id: 'large-snapshot', script: 'large-snapshot.mjs', label: 'large snapshots (issue 9)' },
];

const words = process.argv.slice(2);
const picked = (r, extra = '') =>
  !words.length || words.some((w) => r.id.includes(w) || `${r.group ?? ''} ${extra}`.split(' ').includes(w));
const rows = ROWS.filter((r) => picked(r));
const guards = GUARDS.filter((g) => picked(g, 'guards'));
if (!rows.length && !guards.length) {
  console.error(
    `no bench row matches ${words.join(' ')}; rows: ${[...ROWS, ...GUARDS].map((r) => r.id).join(', ')}`,
  );
  process.exit(2);
}
requireBuild();
const node = process.execPath;
const results = new Map(); // id → { figure, met: true|false|undefined, note }
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-bench-'));
const status = (s) => process.stderr.write(`[bench] ${s}\n`);
let failed = 0;

try {
  const startup = rows.filter((r) => r.group.split(' ').includes('startup'));
  if (startup.length) startupRows(startup);
  for (const r of rows) {
    try {
      if (r.id === 'catalog-400') results.set(r.id, catalogRow(r, tmp, status));
      else if (r.nodes) results.set(r.id, await bigClusterRow(r, tmp, status));
      else if (r.id === 'realkube') results.set(r.id, await realKubeRow(tmp, status));
    } catch (err) {
      failed++;
      results.set(r.id, { figure: `error: ${err.message.split('\n')[0]}`, met: false });
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (rows.length) {
  const load = os.loadavg()[0].toFixed(2);
  console.log(
    `\nissue 16 targets (load average ${load} on ${os.cpus().length} CPUs, node ${process.version})`,
  );
  const table = [['case', 'this run', 'target', 'met']];
  for (const r of rows) {
    const res = results.get(r.id) ?? { figure: 'not measured' };
    const target = r.ratio
      ? `≤ ${r.ratio.toFixed(2)}`
      : r.wallS
        ? `≤ ${r.wallS} s${r.rssMb ? `, ≤ ${r.rssMb} MB` : ''}`
        : 'report';
    const met = res.met === undefined ? (res.skipped ? 'skipped' : '-') : res.met ? 'met' : 'NOT MET';
    table.push([r.label, res.figure, target, met]);
  }
  const w = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const [i, row] of table.entries()) {
    console.log(`| ${row.map((c, j) => c.padEnd(w[j])).join(' | ')} |`);
    if (i === 0) console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  }
  for (const r of rows) {
    const note = results.get(r.id)?.note;
    if (note) console.log(`  ${r.id}: ${note}`);
  }
}

for (const g of guards) {
  console.log(`\n## ${g.label} (bench/${g.script})`);
  const r = spawnSync(node, [path.join(repoRoot, 'bench', g.script)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
const missed = [...results.values()].filter((r) => r.met === false).length;
if (failed || (missed && process.env.BENCH_STRICT === '1')) process.exit(1);

/** Start-up rows: each case and `node -e 0` in interleaved rounds; ratio of medians. */
function startupRows(selected) {
  const recipe = path.join(tmp, 'recipe.yaml');
  const snapshot = path.join(repoRoot, 'test/fixtures/mock-snapshot.yaml');
  const env = { HOME: tmp, KUBECONFIG: '', AICR_DEBUG: '', AICR_LOG_JSON: '' };
  timeRun(node, [cli, 'recipe', ...TRAINING_CRITERIA, '-o', recipe], { env });
  let n = 0;
  const out = () => path.join(tmp, `out-${n++}`);
  const cases = {
    recipe: () => [cli, 'recipe', ...TRAINING_CRITERIA],
    query: () => [
      cli,
      'query',
      ...TRAINING_CRITERIA,
      '--selector',
      'components.gpu-operator.values.driver.version',
    ],
    validate: () => [cli, 'validate', '-r', recipe, '-s', snapshot, '--fail-on-error=false'],
    'bundle-helm': () => [cli, 'bundle', '-r', recipe, '-o', out()],
    'bundle-argocd': () => [
      cli,
      'bundle',
      '-r',
      recipe,
      '-o',
      out(),
      '--deployer',
      'argocd',
      '--repo',
      'https://github.com/example/gitops.git',
    ],
    'snapshot-os': () => [cli, 'snapshot', '--filter', 'os'],
    version: () => [cli, '--version'],
  };
  const names = ['node -e 0', ...selected.map((r) => r.id)];
  const argsOf = (name) => (name === 'node -e 0' ? ['-e', '0'] : cases[name]());
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  const once = (name) => {
    const ms = timeRun(node, argsOf(name), { env }).ms;
    if (name.startsWith('bundle')) rmSync(path.join(tmp, `out-${n - 1}`), { recursive: true, force: true });
    return ms;
  };
  for (const name of names) once(name); // warm the file cache
  const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
  status(`start-up: ${rounds} interleaved rounds of ${names.join(', ')}`);
  for (let r = 0; r < rounds; r++)
    for (const name of names) for (let i = 0; i < 3; i++) samples[name].push(once(name));
  const base = median(samples['node -e 0']);
  for (const row of selected) {
    const m = median(samples[row.id]);
    const ratio = m / base;
    results.set(row.id, {
      figure: `${ratio.toFixed(2)} (${m.toFixed(0)} ms vs ${base.toFixed(0)} ms)`,
      met: row.ratio ? ratio <= row.ratio : undefined,
    });
  }
}

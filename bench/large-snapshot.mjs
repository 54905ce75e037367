#!/usr/bin/env node
// Large snapshot (issue 9 §3): `aicr recipe --snapshot` reading a generated 50 MB snapshot, as YAML
// and as JSON. Figures: wall time and peak RSS, and RSS as a multiple of the input size.
// Targets: ≤ 5 s and peak RSS ≤ 8× the input. Both formats must give the same recipe.
// Options (env): BENCH_SNAPSHOT_MB (default 50), BENCH_RUNS (default 3).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, measure, requireBuild } from './_lib.mjs';

requireBuild();
const targetMb = Number(process.env.BENCH_SNAPSHOT_MB ?? 50);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-bench-large-snapshot-'));

/** A snapshot shaped like aicr's own: a few measurements, then many NodeTopology label subtypes. */
function generate() {
  const measurements = [
    { type: 'K8s', subtypes: [{ subtype: 'server', data: { version: 'v1.33.5-eks-3025e55' } }] },
    {
      type: 'GPU',
      subtypes: [{ subtype: 'smi', data: { 'gpu.model': 'NVIDIA H100 80GB HBM3', driver: '570.86.16' } }],
    },
    {
      type: 'OS',
      subtypes: [
        { subtype: 'release', data: { ID: 'ubuntu', VERSION_ID: '24.04' } },
        { subtype: 'grub', data: { BOOT_IMAGE: '/boot/vmlinuz-6.8.0-1028-aws' } },
      ],
    },
    {
      type: 'SystemD',
      subtypes: [{ subtype: 'containerd.service', data: { ActiveState: 'active', LimitNOFILE: 1048576 } }],
    },
    { type: 'NodeTopology', subtypes: [] },
  ];
  const topo = measurements[4].subtypes;
  let bytes = 0;
  for (let s = 0; bytes < targetMb * 1e6; s++) {
    const data = {};
    for (let k = 0; k < 1000; k++) {
      const v = `ip-10-0-${s % 256}-${k % 256}.ec2.internal,ip-10-1-${k % 256}-${s % 256}.ec2.internal`;
      data[`nvidia.com/gpu.product.${s}.${k}`] = v;
      bytes += 15 + `nvidia.com/gpu.product.${s}.${k}`.length + v.length; // its YAML line
    }
    topo.push({ subtype: `label-${s}`, data });
  }
  const doc = {
    kind: 'Snapshot',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    metadata: { version: 'bench' },
    measurements,
  };
  // YAML in the block style aicr writes.
  const y = [
    'kind: Snapshot',
    'apiVersion: aicr.nvidia.com/v1alpha1',
    'metadata:',
    '  version: bench',
    'measurements:',
  ];
  for (const m of measurements) {
    y.push(`  - type: ${m.type}`, '    subtypes:');
    for (const st of m.subtypes) {
      y.push(`      - subtype: ${st.subtype}`, '        data:');
      for (const [k, v] of Object.entries(st.data))
        y.push(`          ${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`);
    }
  }
  return { yaml: y.join('\n') + '\n', json: JSON.stringify(doc, null, 2) + '\n' };
}

let failed = false;
try {
  const { yaml, json } = generate();
  const outputs = {};
  console.log(
    `recipe --snapshot of a generated snapshot (${runs} runs each; targets: ≤ 5 s, peak RSS ≤ 8× input)`,
  );
  console.log(
    'format'.padEnd(8) +
      'input MB'.padStart(10) +
      'median s'.padStart(10) +
      'peak RSS MB'.padStart(13) +
      'RSS/input'.padStart(11) +
      '  verdict',
  );
  for (const [fmt, text] of [
    ['yaml', yaml],
    ['json', json],
  ]) {
    const file = path.join(tmp, `snapshot.${fmt}`);
    writeFileSync(file, text);
    const inputMb = statSync(file).size / 1e6;
    const out = path.join(tmp, `recipe-${fmt}.yaml`);
    const m = measure(
      process.execPath,
      [cli, 'recipe', '--snapshot', file, '--intent', 'training', '-o', out],
      { n: runs },
    );
    outputs[fmt] = readFileSync(out, 'utf8');
    const ratio = m.peakRssMb ? m.peakRssMb / inputMb : NaN;
    const ok = m.medianMs <= 5000 && (!m.peakRssMb || ratio <= 8);
    if (!ok) failed = true;
    console.log(
      fmt.padEnd(8) +
        inputMb.toFixed(1).padStart(10) +
        (m.medianMs / 1000).toFixed(2).padStart(10) +
        (m.peakRssMb ? m.peakRssMb.toFixed(0) : 'n/a').padStart(13) +
        (Number.isFinite(ratio) ? ratio.toFixed(1) + '×' : 'n/a').padStart(11) +
        (ok ? '  ok' : '  OVER TARGET'),
    );
  }
  if (outputs.yaml !== outputs.json) {
    failed = true;
    console.log('YAML and JSON snapshots gave different recipes');
  } else console.log('YAML and JSON snapshots give the same recipe');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

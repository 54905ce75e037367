// Bench row: `aicr bundle` of a generated 400-component `--data` catalog (issue 16). Three in four
// components are Helm charts with a values file of ~40 lines, every fourth also renders a templated
// manifest; every fifth depends on the one before it. Wall time, median of BENCH_RUNS (default 3).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, median, timeRun } from './_lib.mjs';

export function generateCatalog(dir, n = 400) {
  const data = path.join(dir, 'data');
  const names = Array.from({ length: n }, (_, i) => `comp-${String(i).padStart(3, '0')}`);
  const reg = ['apiVersion: aicr.nvidia.com/v1alpha1', 'kind: ComponentRegistry', 'components:'];
  const refs = ['kind: RecipeResult', 'apiVersion: aicr.nvidia.com/v1alpha1', 'componentRefs:'];
  for (const [i, c] of names.entries()) {
    const cdir = path.join(data, 'components', c);
    mkdirSync(path.join(cdir, 'manifests'), { recursive: true });
    reg.push(
      `  - name: ${c}`,
      `    displayName: ${c}`,
      '    helm:',
      `      defaultRepository: https://charts.example.com/${c}`,
      `      defaultChart: example/${c}`,
      `      defaultNamespace: ns-${i % 20}`,
    );
    const values = ['replicaCount: 1', 'image:', `  repository: registry.example.com/${c}`, '  tag: v1.2.3'];
    for (let k = 0; k < 12; k++) values.push(`setting${k}:`, `  enabled: ${k % 2 === 0}`, `  level: ${k}`);
    writeFileSync(path.join(cdir, 'values.yaml'), values.join('\n') + '\n');
    refs.push(
      `  - name: ${c}`,
      '    type: Helm',
      `    source: https://charts.example.com/${c}`,
      `    chart: ${c}`,
      `    version: 1.${i % 10}.0`,
      `    namespace: ns-${i % 20}`,
      `    valuesFile: components/${c}/values.yaml`,
    );
    if (i % 5 === 4) refs.push('    dependencyRefs:', `      - ${names[i - 1]}`);
    if (i % 4 === 3) {
      writeFileSync(
        path.join(cdir, 'manifests', 'cm.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${c}\ndata:\n  tag: {{ index .Values "${c}" "image" "tag" | quote }}\n`,
      );
      refs.push('    manifestFiles:', `      - components/${c}/manifests/cm.yaml`);
    }
  }
  writeFileSync(path.join(data, 'registry.yaml'), reg.join('\n') + '\n');
  const recipe = path.join(dir, 'recipe-400.yaml');
  writeFileSync(recipe, refs.join('\n') + '\n');
  return { data, recipe };
}

export function catalogRow(row, tmp, status) {
  const dir = path.join(tmp, 'catalog-400');
  const { data, recipe } = generateCatalog(dir);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  status(`400-component catalog: ${runs} bundles`);
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const out = path.join(dir, `out-${i}`);
    const r = timeRun(process.execPath, [cli, 'bundle', '-r', recipe, '--data', data, '-o', out]);
    rmSync(out, { recursive: true, force: true });
    if (i > 0) times.push(r.ms); // the first run warms the file cache
  }
  const s = median(times) / 1000;
  return { figure: `${s.toFixed(2)} s wall`, met: s <= row.wallS };
}

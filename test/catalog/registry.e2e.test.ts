/**
 * An invalid external registry.yaml in `--data` is bad input (exit 2) naming the file and the problem,
 * never a warning with the registry skipped (issue 9 §7). Through the built CLI, for every command that
 * reads `--data`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-registry-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function dataDir(name: string, registry: string): string {
  const d = path.join(dir, name);
  mkdirSync(d);
  writeFileSync(path.join(d, 'registry.yaml'), registry);
  return d;
}

const HEAD = 'apiVersion: aicr.nvidia.com/v1alpha1\n';
const CASES: [string, string, RegExp][] = [
  [
    'wrong-kind',
    `${HEAD}kind: RecipeMetadata\ncomponents: []\n`,
    /kind must be ComponentRegistry, got "RecipeMetadata"/,
  ],
  [
    'not-a-list',
    `${HEAD}kind: ComponentRegistry\ncomponents:\n  gpu-operator: {}\n`,
    /components must be a list, got a mapping/,
  ],
  [
    'scalar-list',
    `${HEAD}kind: ComponentRegistry\ncomponents: gpu-operator\n`,
    /components must be a list, got string "gpu-operator"/,
  ],
  [
    'item-not-map',
    `${HEAD}kind: ComponentRegistry\ncomponents:\n  - gpu-operator\n`,
    /components\[0\] must be a mapping/,
  ],
  [
    'duplicates',
    `${HEAD}kind: ComponentRegistry\ncomponents:\n  - name: my-thing\n  - name: other\n  - name: my-thing\n`,
    /duplicate component name "my-thing" \(components\[0\] and components\[2\]\)/,
  ],
  ['list-doc', '- name: a\n', /expected a mapping of kind ComponentRegistry, got a list/],
  ['empty', '', /is empty: expected a document of kind ComponentRegistry/],
  ['bad-field', `${HEAD}kind: ComponentRegistry\ncomponents:\n  - name: 42\n`, /name/],
];

test('recipe, query and bundle: an invalid external registry is exit 2 naming registry.yaml', async () => {
  for (const [name, text, re] of CASES) {
    const d = dataDir(name, text);
    const runs: string[][] = [
      ['recipe', '--service', 'eks', '--intent', 'training', '--data', d],
      ['query', '--service', 'eks', '--data', d, '--selector', 'criteria'],
    ];
    for (const args of runs) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${name} ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /registry .*registry\.yaml/, name);
      assert.match(r.stderr, re, name);
      assert.doesNotMatch(r.stderr, /warn|defaults are not applied/i);
      assert.equal(r.stdout, '');
    }
  }
});

test('a valid external registry (kind given or omitted) is used: its component defaults apply', async () => {
  const d = dataDir(
    'valid',
    `${HEAD}kind: ComponentRegistry\ncomponents:\n  - name: gpu-operator\n    helm:\n      defaultRepository: https://example.com/charts\n      defaultChart: example/gpu-operator\n      defaultNamespace: gpu-operator\n`,
  );
  const r = await runCli(['recipe', '--service', 'eks', '--intent', 'training', '--data', d]);
  assert.equal(r.code, 0, r.stderr);
  const gpu = parse(r.stdout).componentRefs.find((c: { name: string }) => c.name === 'gpu-operator');
  assert.ok(gpu, 'gpu-operator in the recipe');
  const noKind = dataDir('no-kind', 'components: []\n');
  const k = await runCli(['recipe', '--service', 'eks', '--data', noKind]);
  assert.equal(k.code, 0, k.stderr);
});

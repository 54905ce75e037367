/**
 * Issue 9 §3/§4 and issue 17 §4 through the built CLI: data never reaches the object model (`--set`,
 * `query` selectors, document keys), depth limits are exit 2 (never a stack overflow), numbers keep
 * their text, integer flags are never rounded, selectors read keys that contain dots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

let dir: string;
let recipe: string;
const criteria = ['--service', 'eks', '--accelerator', 'h100', '--intent', 'training'];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aicr-hostile-data-'));
  recipe = path.join(dir, 'recipe.yaml');
  const r = await runCli(['recipe', ...criteria, '-o', recipe]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const outDir = () => path.join(dir, `bundle-${++n}`);

describe('--set', () => {
  it('__proto__, constructor and prototype segments are exit 2 and nothing is written', async () => {
    for (const set of [
      'gpuoperator:__proto__.encoding=base64',
      'gpu-operator:constructor.prototype.x=1',
      'gpu-operator:a.prototype=1',
    ]) {
      const out = outDir();
      const r = await runCli(['bundle', '-r', recipe, '-o', out, '--set', set]);
      assert.equal(r.code, 2, `${set}: ${r.stderr}`);
      assert.match(r.stderr, /is not allowed/);
      await assert.rejects(readFile(path.join(out, 'gpu-operator', 'values.yaml')));
    }
  });

  it('a 3000-segment path is exit 2 stating the limit (no stack overflow)', async () => {
    const deep = Array.from({ length: 3000 }, (_, i) => `k${i}`).join('.');
    const r = await runCli(['bundle', '-r', recipe, '-o', outDir(), '--set', `gpuoperator:${deep}=1`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /path has 3000 segments, the limit is 100/);
    assert.ok(r.stderr.length < 2000, 'the message quotes a bounded part of the input');
  });

  it('numbers keep their text where a double would lose it; the bundle reads back', async () => {
    const out = outDir();
    const r = await runCli([
      'bundle',
      '-r',
      recipe,
      '-o',
      out,
      '--set',
      'gpuoperator:big=99999999999999999999',
      '--set',
      'gpuoperator:neg=-99999999999999999999',
      '--set',
      'gpuoperator:fine=0.25',
      '--set',
      'gpuoperator:long=0.10000000000000000001',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(path.join(out, 'gpu-operator', 'values.yaml'), 'utf8');
    assert.match(text, /^big: 99999999999999999999$/m);
    assert.match(text, /^neg: -99999999999999999999$/m);
    assert.match(text, /^fine: 0\.25$/m);
    assert.match(text, /^long: "0\.10000000000000000001"$/m);
    assert.doesNotMatch(text, /1e\+?20/);
  });
});

describe('query selectors', () => {
  it('constructor, __proto__ and prototype are exit 2; inherited names are not found (exit 3), never a function', async () => {
    for (const sel of [
      'components.constructor',
      'components.__proto__',
      'constructor.prototype',
      'criteria.constructor.name',
    ]) {
      const r = await runCli(['query', ...criteria, '--selector', sel]);
      assert.equal(r.code, 2, `${sel}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /is not allowed/);
    }
    for (const sel of ['components.toString', 'criteria.hasOwnProperty', 'metadata.valueOf']) {
      const r = await runCli(['query', ...criteria, '--selector', sel]);
      assert.equal(r.code, 3, `${sel}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /function|native code/);
    }
  });

  it('keys with dots resolve against the keys that exist; two readings are exit 2', async () => {
    const data = path.join(dir, 'data');
    await mkdir(path.join(data, 'components', 'gpu-operator'), { recursive: true });
    await writeFile(
      path.join(data, 'registry.yaml'),
      'apiVersion: aicr.nvidia.com/v1alpha1\nkind: ComponentRegistry\ncomponents: []\n',
    );
    await writeFile(
      path.join(data, 'components', 'gpu-operator', 'values.yaml'),
      'node.labels:\n  nvidia.com/gpu.deploy: "yes"\nother:\n  nvidia.com/gpu.product: H100\n',
    );
    const q = (sel: string) => runCli(['query', ...criteria, '--data', data, '--selector', sel]);
    let r = await q('components.gpu-operator.values.other.nvidia.com/gpu.product');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'H100\n');
    r = await q('components.gpu-operator.values.node.labels.nvidia.com/gpu.deploy');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'yes\n');

    await writeFile(
      path.join(data, 'components', 'gpu-operator', 'values.yaml'),
      'node.labels:\n  nvidia.com/gpu.deploy: "yes"\nnode:\n  labels.nvidia.com/gpu.deploy: "no"\n',
    );
    r = await q('components.gpu-operator.values.node.labels.nvidia.com/gpu.deploy');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is ambiguous/);
  });

  it('a --data values file with a duplicate key is exit 2 naming the file, key and line', async () => {
    const data = path.join(dir, 'data-dup');
    await mkdir(path.join(data, 'components', 'gpu-operator'), { recursive: true });
    await writeFile(path.join(data, 'registry.yaml'), 'kind: ComponentRegistry\ncomponents: []\n');
    await writeFile(path.join(data, 'components', 'gpu-operator', 'values.yaml'), 'a: 1\nb: 2\na: 3\n');
    const r = await runCli([
      'query',
      ...criteria,
      '--data',
      data,
      '--selector',
      'components.gpu-operator.values',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /values\.yaml: line 3: duplicate key \\?"a\\?" \(first at line 1\)/);
  });
});

describe('documents', () => {
  it('a recipe nested 5000 levels deep is exit 2 with the limit, not a crash (JSON and YAML)', async () => {
    const snap = path.join(dir, 'snap.yaml');
    await writeFile(snap, 'kind: Snapshot\nmeasurements: []\n');
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    for (const [name, text] of [
      ['deep.json', `{"kind": "RecipeResult", "x": ${deep}}`],
      ['deep.yaml', `kind: RecipeResult\nx: ${deep}\n`],
    ]) {
      const f = path.join(dir, name);
      await writeFile(f, text);
      const r = await runCli(['validate', '-r', f, '-s', snap]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /nested more than 512 levels deep/);
    }
  });

  it('a __proto__ key in a snapshot is data: no effect on other readings', async () => {
    const snap = path.join(dir, 'proto-snap.yaml');
    await writeFile(
      snap,
      'kind: Snapshot\nmeasurements:\n  - type: OS\n    subtypes:\n      - subtype: release\n        data:\n          __proto__: {ID: rhel}\n          VERSION_ID: "24.04"\n',
    );
    const rec = path.join(dir, 'proto-recipe.yaml');
    await writeFile(rec, 'kind: RecipeResult\nconstraints:\n  - name: OS.release.ID\n    value: rhel\n');
    const r = await runCli(['validate', '-r', rec, '-s', snap, '-t', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).results[0].status, 'skipped');
  });
});

describe('nothing aicr writes is deeper than it reads back', () => {
  it('values nested near the limit are read and bundled; a query output past the limit is exit 2', async () => {
    const data = path.join(dir, 'data-deep');
    await mkdir(path.join(data, 'components', 'gpu-operator'), { recursive: true });
    await writeFile(path.join(data, 'registry.yaml'), 'kind: ComponentRegistry\ncomponents: []\n');
    const deep = 'deep: ' + '['.repeat(510) + ']'.repeat(510) + '\n';
    await writeFile(path.join(data, 'components', 'gpu-operator', 'values.yaml'), deep);
    let r = await runCli([
      'query',
      ...criteria,
      '--data',
      data,
      '--selector',
      'components.gpu-operator.values',
      '-t',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['query', ...criteria, '--data', data, '--selector', '']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /would be nested more than 512 levels deep, more than aicr reads back/);
  });
});

describe('integer flags are never rounded', () => {
  it('--nodes 9007199254740993 is exit 2 for recipe, query and bundle; 2^53-1 is accepted', async () => {
    for (const argv of [
      ['recipe', ...criteria, '--nodes', '9007199254740993'],
      ['query', ...criteria, '--nodes', '9007199254740993', '--selector', 'criteria.nodes'],
      ['bundle', '-r', recipe, '-o', outDir(), '--nodes', '9007199254740993'],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv[0]}: ${r.stderr}`);
      assert.match(r.stderr, /"9007199254740993" for --nodes: too large, must be at most 9007199254740991/);
    }
    const r = await runCli([
      'query',
      ...criteria,
      '--nodes',
      '9007199254740991',
      '--selector',
      'criteria.nodes',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '9007199254740991\n');
  });

  it('a criteria file with nodes beyond 2^53 is exit 2', async () => {
    const f = path.join(dir, 'criteria.yaml');
    await writeFile(f, 'kind: RecipeCriteria\nspec:\n  service: eks\n  nodes: 9007199254740993\n');
    const r = await runCli(['recipe', '--criteria', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too large/);
    assert.equal(parse(r.stdout || 'null'), null);
  });
});

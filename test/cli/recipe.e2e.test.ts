// `aicr recipe` and `aicr query` end to end through the built binary: the seed's examples, every
// input mode, formats parsed back, outputs, and every error path with its exit code and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
  cpSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { fixturesDir, hasShared, referenceCatalogDir } from '../helpers/paths.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'aicr-recipe-'));
const skipShared = hasShared ? false : 'shared reference material not found';

test('quick start: eks + h100 + training prints a recipe', async () => {
  const r = await runCli(['recipe', '--service', 'eks', '--accelerator', 'h100', '--intent', 'training']);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  assert.equal(doc.kind, 'RecipeResult');
  assert.equal(doc.apiVersion, 'aicr.nvidia.com/v1alpha1');
  assert.deepEqual(doc.criteria, {
    service: 'eks',
    accelerator: 'h100',
    intent: 'training',
    os: 'any',
    platform: 'any',
  });
  assert.deepEqual(doc.metadata.appliedOverlays, [
    'base',
    'monitoring-hpa',
    'eks',
    'eks-training',
    'h100-eks-training',
  ]);
  assert.match(r.stderr, /recipe generation completed: output=stdout components=\d+ overlays=5/);
});

test('seed examples: --gpu alias, --os/--service for gb200, nodes', async () => {
  const r = await runCli([
    'recipe',
    '--os',
    'ubuntu',
    '--gpu',
    'gb200',
    '--service',
    'eks',
    '--intent',
    'training',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  assert.equal(doc.criteria.accelerator, 'gb200');
  const names = doc.componentRefs.map((c: { name: string }) => c.name);
  assert.ok(names.includes('gpu-operator') && names.includes('nodewright-operator'));
  const n = parse((await runCli(['recipe', '--service', 'eks', '--nodes', '8'])).stdout);
  assert.equal(n.criteria.nodes, 8);
});

test('json and table formats; json parses back to the same document as yaml', async () => {
  const args = [
    'recipe',
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
  const y = await runCli(args);
  const j = await runCli([...args, '--format', 'json']);
  const t = await runCli([...args, '-t', 'table']);
  assert.equal(j.code, 0);
  assert.deepEqual(JSON.parse(j.stdout), parse(y.stdout));
  assert.match(j.stdout, /"value": ">= 1.32.4"/, 'JSON does not HTML-escape >');
  assert.match(t.stdout, /^FIELD\s+VALUE\n-----\s+-----\n/);
  assert.match(t.stdout, /\ncriteria\.service\s+eks\n/);
});

test('--output writes the file atomically and nothing to stdout', async () => {
  const dir = tmp();
  const out = path.join(dir, 'nested', 'recipe.yaml');
  mkdirSync(path.dirname(out));
  const r = await runCli(['recipe', '--service', 'eks', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(parse(readFileSync(out, 'utf8')).kind, 'RecipeResult');
  assert.deepEqual(readdirSync(path.dirname(out)), ['recipe.yaml'], 'no temp files left behind');
  assert.match(r.stderr, new RegExp(`output=${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('output is deterministic: two runs are byte-identical', async () => {
  const args = [
    'recipe',
    '--service',
    'aks',
    '--accelerator',
    'h100',
    '--os',
    'ubuntu',
    '--intent',
    'inference',
    '--platform',
    'dynamo',
  ];
  const a = await runCli(args);
  const b = await runCli(args);
  assert.equal(a.stdout, b.stdout);
});

test('criteria file: YAML and JSON, flags override its fields', async () => {
  const dir = tmp();
  const y = path.join(dir, 'c.yaml');
  writeFileSync(
    y,
    'kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata: {name: x}\nspec:\n  service: eks\n  accelerator: h100\n  intent: training\n  nodes: 8\n',
  );
  const a = parse((await runCli(['recipe', '--criteria', y])).stdout);
  assert.deepEqual(a.criteria, {
    service: 'eks',
    accelerator: 'h100',
    intent: 'training',
    os: 'any',
    platform: 'any',
    nodes: 8,
  });
  const b = await runCli(['recipe', '-c', y, '--service', 'gke']);
  assert.equal(parse(b.stdout).criteria.service, 'gke');
  assert.match(b.stderr, /CLI flag overriding detected value: field=service from=eks to=gke/);
  const j = path.join(dir, 'c.json');
  writeFileSync(j, JSON.stringify({ kind: 'RecipeCriteria', spec: { accelerator: 'gb200' } }));
  assert.equal(parse((await runCli(['recipe', '-c', j])).stdout).criteria.accelerator, 'gb200');
  const empty = path.join(dir, 'empty.yaml');
  writeFileSync(empty, 'kind: RecipeCriteria\nspec: {}\n');
  assert.deepEqual(parse((await runCli(['recipe', '-c', empty])).stdout).metadata.appliedOverlays, [
    'base',
    'monitoring-hpa',
  ]);
});

test('criteria file errors: wrong kind, wrong apiVersion, bad enum, negative nodes, empty, missing', async () => {
  const dir = tmp();
  const cases: [string, string, number, RegExp][] = [
    ['kind.yaml', 'kind: Snapshot\nspec: {}\n', 2, /invalid kind "Snapshot", expected "RecipeCriteria"/],
    ['api.yaml', 'apiVersion: v9\nspec: {}\n', 2, /invalid apiVersion "v9"/],
    [
      'enum.yaml',
      'spec: {service: nope}\n',
      2,
      /invalid service in criteria spec: invalid service type: nope/,
    ],
    ['nodes.yaml', 'spec: {nodes: -1}\n', 2, /must be >= 0/],
    ['empty.yaml', '', 2, /document is empty/],
  ];
  for (const [name, text, code, re] of cases) {
    writeFileSync(path.join(dir, name), text);
    const r = await runCli(['recipe', '--criteria', path.join(dir, name)]);
    assert.equal(r.code, code, `${name}: ${r.stderr}`);
    assert.match(r.stderr, re, name);
    assert.match(r.stderr, /failed to load criteria from/);
  }
  const missing = await runCli(['recipe', '--criteria', path.join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /criteria file not found: .*nope\.yaml/);
});

test('flag errors: bad enum values list the allowed values, no criteria, duplicates, bad format, bad nodes', async () => {
  const cases: [string[], number, RegExp][] = [
    [
      ['recipe', '--service', 'invalid-service'],
      2,
      /invalid service type: invalid-service; allowed: aks, eks, gke, kind, oke, any/,
    ],
    [
      ['recipe', '--accelerator', 'invalid-gpu'],
      2,
      /invalid accelerator type: invalid-gpu; allowed: a100, b200, gb200, h100, l40, any/,
    ],
    [['recipe', '--intent', 'x'], 2, /invalid intent type: x; allowed: inference, training, any/],
    [['recipe', '--os', 'x'], 2, /invalid os type: x; allowed: amazonlinux, cos, rhel, ubuntu, any/],
    [['recipe', '--platform', 'x'], 2, /invalid platform type: x; allowed: dynamo, kubeflow, any/],
    [['recipe'], 2, /no criteria provided: specify at least one of --service/],
    [['recipe', '--service', 'self-managed'], 2, /no criteria provided/],
    [['recipe', '--service', 'eks', '--service', 'gke'], 2, /flag --service can only be specified once/],
    [
      ['recipe', '--gpu', 'h100', '--accelerator', 'h100'],
      2,
      /flag --accelerator can only be specified once/,
    ],
    [
      ['query', '--service', 'eks', '--selector', 'a', '--selector', 'b'],
      2,
      /flag --selector can only be specified once/,
    ],
    [
      ['recipe', '--service', 'eks', '--format', 'YAML'],
      2,
      /unknown output format: "YAML" for --format, valid formats are: yaml, json, table/,
    ],
    [['recipe', '--service', 'eks', '--nodes', 'x'], 2, /invalid value "x" for --nodes: expected an integer/],
    [['recipe', '--service', 'eks', '-o', 'https://example.com/r.yaml'], 2, /URLs are read-only/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('snapshot mode: the mock snapshot fixture and a snapshot on stdin', async () => {
  const snap = path.join(fixturesDir, 'mock-snapshot.yaml');
  const r = await runCli(['recipe', '--snapshot', snap, '--intent', 'training']);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  assert.equal(doc.criteria.os, 'ubuntu');
  assert.equal(doc.criteria.intent, 'training');
  const s = await runCli(['recipe', '-s', '-', '--service', 'eks'], { input: readFileSync(snap, 'utf8') });
  assert.equal(s.code, 0, s.stderr);
  assert.equal(parse(s.stdout).criteria.service, 'eks');
});

test('snapshot mode: excluded overlays and constraint warnings for a 22.04 node', async () => {
  const dir = tmp();
  const f = path.join(dir, 'snap.json');
  writeFileSync(
    f,
    JSON.stringify({
      kind: 'Snapshot',
      apiVersion: 'aicr.nvidia.com/v1alpha1',
      measurements: [
        { type: 'K8s', subtypes: [{ subtype: 'server', data: { version: 'v1.33.5-eks-3025e55' } }] },
        { type: 'GPU', subtypes: [{ subtype: 'smi', data: { 'gpu.model': 'NVIDIA H100 80GB HBM3' } }] },
        {
          type: 'OS',
          subtypes: [
            { subtype: 'release', data: { ID: 'ubuntu', VERSION_ID: '22.04' } },
            { subtype: 'sysctl', data: { '/proc/sys/kernel/osrelease': '6.8.0-1028-aws' } },
          ],
        },
      ],
    }),
  );
  const r = await runCli(['recipe', '--snapshot', f, '--intent', 'training', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.metadata.excludedOverlays, ['h100-eks-ubuntu-training']);
  assert.equal(doc.metadata.constraintWarnings[0].reason, 'expected 24.04, got 22.04');
  assert.match(r.stderr, /overlay excluded: constraint not met: overlay=h100-eks-ubuntu-training/);
});

test('snapshot input errors: missing file, bad document, table file', async () => {
  const dir = tmp();
  const missing = await runCli(['recipe', '--snapshot', path.join(dir, 'none.yaml')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /failed to load snapshot from ".*none\.yaml": snapshot file not found/);
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'measurements: [ {type: 1 ');
  const b = await runCli(['recipe', '--snapshot', bad]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /snapshot .*bad\.yaml: invalid YAML: line \d+, column \d+/);
  const wrong = path.join(dir, 'wrong.yaml');
  writeFileSync(wrong, 'measurements:\n  - type: 5\n');
  const w = await runCli(['recipe', '--snapshot', wrong]);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /measurements\[0\]\.type: expected string, got number/);
  const t = await runCli(['recipe', '--snapshot', path.join(dir, 's.table')]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /table format cannot be read back/);
});

test('snapshot over HTTP from a real server on 127.0.0.1, and a 404', async () => {
  const body = readFileSync(path.join(fixturesDir, 'mock-snapshot.yaml'), 'utf8');
  const server = http.createServer((req, res) => {
    if (req.url === '/snap.yaml') res.writeHead(200, { 'content-type': 'application/yaml' }).end(body);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ok = await runCli(['recipe', '--snapshot', `${base}/snap.yaml`, '--intent', 'training']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(parse(ok.stdout).criteria.os, 'ubuntu');
    assert.match(ok.stderr, /plain HTTP/);
    const nf = await runCli(['recipe', '--snapshot', `${base}/missing.yaml`]);
    assert.equal(nf.code, 3);
    assert.match(nf.stderr, new RegExp(`HTTP 404 fetching snapshot from ${base}/missing.yaml`));
  } finally {
    server.close();
  }
});

test('cm:// input without cluster access is a clear error, never a crash', async () => {
  const r = await runCli(['recipe', '--snapshot', 'cm://gpu-operator/snap'], {
    env: { KUBECONFIG: '/nonexistent/kubeconfig' },
  });
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const bad = await runCli(['recipe', '--snapshot', 'cm://Bad_NS/snap']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /namespace "Bad_NS" must be a DNS-1123 label/);
});

test('--data: the reference catalog layers over the embedded one', { skip: skipShared }, async () => {
  const r = await runCli([
    'recipe',
    '--service',
    'eks',
    '--accelerator',
    'h100',
    '--intent',
    'training',
    '--data',
    referenceCatalogDir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  assert.ok(doc.componentRefs.some((c: { name: string }) => c.name === 'nodewright-operator'));
});

test('--data: a custom component and overlay', async () => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'overlays'));
  mkdirSync(path.join(dir, 'components', 'custom-operator'), { recursive: true });
  writeFileSync(
    path.join(dir, 'registry.yaml'),
    'kind: ComponentRegistry\napiVersion: aicr.nvidia.com/v1alpha1\ncomponents:\n  - name: custom-operator\n    displayName: Custom\n    helm:\n      defaultRepository: https://charts.example.com\n      defaultChart: example/custom-operator\n      defaultVersion: 1.2.3\n      defaultNamespace: custom\n',
  );
  writeFileSync(path.join(dir, 'components', 'custom-operator', 'values.yaml'), 'replicas: 2\n');
  writeFileSync(
    path.join(dir, 'overlays', 'custom.yaml'),
    'kind: RecipeMetadata\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata: {name: custom}\nspec:\n  base: h100-eks-training\n  criteria: {service: eks, accelerator: h100, intent: training, platform: kubeflow}\n  componentRefs:\n    - name: custom-operator\n      valuesFile: components/custom-operator/values.yaml\n      dependencyRefs: [gpu-operator]\n',
  );
  const r = await runCli([
    'recipe',
    '--service',
    'eks',
    '--gpu',
    'h100',
    '--intent',
    'training',
    '--platform',
    'kubeflow',
    '--data',
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  const c = doc.componentRefs.find((x: { name: string }) => x.name === 'custom-operator');
  assert.deepEqual(c, {
    name: 'custom-operator',
    namespace: 'custom',
    chart: 'custom-operator',
    type: 'Helm',
    source: 'https://charts.example.com',
    version: '1.2.3',
    valuesFile: 'components/custom-operator/values.yaml',
    dependencyRefs: ['gpu-operator'],
  });
  assert.ok(doc.deploymentOrder.indexOf('custom-operator') > doc.deploymentOrder.indexOf('gpu-operator'));
  assert.equal(doc.metadata.appliedOverlays.at(-1), 'custom');
  const q = await runCli([
    'query',
    '--service',
    'eks',
    '--gpu',
    'h100',
    '--intent',
    'training',
    '--platform',
    'kubeflow',
    '--data',
    dir,
    '--selector',
    'components.custom-operator.values.replicas',
  ]);
  assert.equal(q.stdout, '2\n');
});

test('--data security rules: missing dir, no registry, symlink, oversized file', async () => {
  const nf = await runCli(['recipe', '--service', 'eks', '--data', '/nonexistent/aicr-data']);
  assert.equal(nf.code, 3);
  assert.match(nf.stderr, /external data directory not found: \/nonexistent\/aicr-data/);
  const noreg = tmp();
  const a = await runCli(['recipe', '--service', 'eks', '--data', noreg]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /registry\.yaml is required in external data directory/);
  const link = tmp();
  writeFileSync(path.join(link, 'registry.yaml'), 'components: []\n');
  symlinkSync('/etc/hostname', path.join(link, 'evil.yaml'));
  const b = await runCli(['recipe', '--service', 'eks', '--data', link]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /symlinks not allowed: evil\.yaml/);
  const big = tmp();
  writeFileSync(path.join(big, 'registry.yaml'), 'components: []\n');
  writeFileSync(path.join(big, 'huge.yaml'), Buffer.alloc(10 * 1024 * 1024 + 1, 0x61));
  const c = await runCli(['recipe', '--service', 'eks', '--data', big]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /file too large \(10485761 bytes, max 10485760\): huge\.yaml/);
});

test('--data: an overlay with a missing parent fails with the inheritance error', async () => {
  const dir = tmp();
  cpSync(
    path.join(import.meta.dirname, '..', '..', 'recipes', 'registry.yaml'),
    path.join(dir, 'registry.yaml'),
  );
  mkdirSync(path.join(dir, 'overlays'));
  writeFileSync(
    path.join(dir, 'overlays', 'orphan.yaml'),
    'kind: RecipeMetadata\nmetadata: {name: orphan}\nspec:\n  base: does-not-exist\n  criteria: {service: oke}\n',
  );
  const r = await runCli(['recipe', '--service', 'oke', '--data', dir]);
  assert.equal(r.code, 3, 'the missing parent is "not found"');
  assert.match(r.stderr, /failed to resolve inheritance chain: recipe "does-not-exist" not found/);
});

test('query: scalars plain, subtrees YAML or JSON, missing keys list what exists', async () => {
  const base = ['query', '--service', 'eks', '--accelerator', 'h100', '--intent', 'training'];
  const v = await runCli([...base, '--selector', 'components.gpu-operator.values.driver.version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, '580.105.08\n');
  const j = await runCli([
    ...base,
    '--selector',
    'components.gpu-operator.values.driver.version',
    '--format',
    'json',
  ]);
  assert.equal(j.stdout, '"580.105.08"\n');
  const list = await runCli([...base, '--selector', 'deploymentOrder']);
  assert.match(list.stdout, /^- aws-ebs-csi-driver\n/);
  const map = await runCli([...base, '--selector', '.components.gpu-operator', '--format', 'json']);
  const comp = JSON.parse(map.stdout);
  assert.equal(comp.name, 'gpu-operator');
  assert.equal(comp.values.driver.version, '580.105.08');
  const whole = await runCli([...base, '--selector', '']);
  assert.equal(parse(whole.stdout).kind, 'RecipeResult');
  const miss = await runCli([...base, '--selector', 'components.nope']);
  assert.equal(miss.code, 3);
  assert.match(
    miss.stderr,
    /selector "components.nope": key "nope" not found, available keys: .*gpu-operator/,
  );
  const scalar = await runCli([...base, '--selector', 'components.gpu-operator.version.sub']);
  assert.equal(scalar.code, 3);
  assert.match(scalar.stderr, /cannot descend into non-map value at "sub"/);
  const noSel = await runCli(['query', '--service', 'eks']);
  assert.equal(noSel.code, 2);
  assert.match(noSel.stderr, /required option '--selector <path>' not specified/);
  const noCrit = await runCli(['query', '--selector', 'kind']);
  assert.equal(noCrit.code, 2);
  assert.match(noCrit.stderr, /no criteria provided/);
});

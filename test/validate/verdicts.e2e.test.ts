/**
 * Issue 17 §1 "Verdicts are right", through the built CLI: dotted measurement names, scalar source
 * text, version precision, one reading per snapshot (duplicates are exit 2), GPU model detection.
 * Every document is written here (no fixture from outside the repository).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aicr-verdicts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(text: string, ext = 'yaml'): Promise<string> {
  const p = path.join(dir, `doc-${++n}.${ext}`);
  await writeFile(p, text);
  return p;
}

function recipe(constraints: [string, string][]): string {
  return [
    'kind: RecipeResult',
    'apiVersion: aicr.nvidia.com/v1alpha1',
    'constraints:',
    ...constraints.flatMap(([name, value]) => [`  - name: ${name}`, `    value: ${value}`]),
    'componentRefs: []',
    '',
  ].join('\n');
}

function snapshot(measurements: string): string {
  return ['kind: Snapshot', 'apiVersion: aicr.nvidia.com/v1alpha1', 'measurements:', measurements, ''].join(
    '\n',
  );
}

interface Result {
  status: string;
  results: { name: string; status: string; actual?: string; message: string }[];
}

async function validate(recipeText: string, snapshotText: string, ext = 'yaml') {
  const r = await runCli([
    'validate',
    '-r',
    await file(recipeText),
    '-s',
    await file(snapshotText, ext),
    '-t',
    'json',
  ]);
  const doc = r.stdout ? (JSON.parse(r.stdout) as Result) : undefined;
  return { ...r, doc };
}

const systemd = (state: string) =>
  snapshot(
    [
      '  - type: SystemD',
      '    subtypes:',
      '      - subtype: containerd.service',
      '        data:',
      `          ActiveState: ${state}`,
      '          LimitNOFILE: 1048576',
      '      - subtype: kubelet.service',
      '        data:',
      '          ActiveState: active',
    ].join('\n'),
  );

describe('measurement names with dots', () => {
  it('a failed containerd.service fails the constraint (exit 9), it is not skipped', async () => {
    const r = await validate(
      recipe([['SystemD.containerd.service.ActiveState', 'active']]),
      systemd('failed'),
    );
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.doc!.status, 'fail');
    assert.equal(r.doc!.results[0].status, 'fail');
    assert.equal(r.doc!.results[0].actual, 'failed');
  });

  it('an active unit passes; sysctl paths and label keys with dots and slashes resolve', async () => {
    const snap = snapshot(
      [
        '  - type: SystemD',
        '    subtypes:',
        '      - subtype: containerd.service',
        '        data:',
        '          ActiveState: active',
        '  - type: OS',
        '    subtypes:',
        '      - subtype: sysctl',
        '        data:',
        '          /proc/sys/kernel/pid_max: 4194304',
        '          kernel.osrelease: 6.8.0-1028-aws',
        '  - type: K8s',
        '    subtypes:',
        '      - subtype: node',
        '        data:',
        '          nvidia.com/gpu.present: "true"',
      ].join('\n'),
    );
    const r = await validate(
      recipe([
        ['SystemD.containerd.service.ActiveState', 'active'],
        ['OS.sysctl./proc/sys/kernel/pid_max', '">= 4194304"'],
        ['OS.sysctl.kernel.osrelease', '">= 6.8"'],
        ['K8s.node.nvidia.com/gpu.present', '"true"'],
      ]),
      snap,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.doc!.results.map((x) => x.status),
      ['pass', 'pass', 'pass', 'pass'],
      JSON.stringify(r.doc),
    );
  });

  it('a path two subtype/key pairs spell is ambiguous: exit 2 naming both readings, nothing written', async () => {
    const snap = snapshot(
      [
        '  - type: SystemD',
        '    subtypes:',
        '      - subtype: containerd',
        '        data:',
        '          service.ActiveState: active',
        '      - subtype: containerd.service',
        '        data:',
        '          ActiveState: failed',
      ].join('\n'),
    );
    const r = await validate(recipe([['SystemD.containerd.service.ActiveState', 'active']]), snap);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ambiguous/);
    assert.match(r.stderr, /subtype \\"containerd\\" key \\"service.ActiveState\\"|subtype "containerd" key/);
  });

  it('a missing key still skips (partial, exit 0), naming the subtype that matched', async () => {
    const r = await validate(recipe([['SystemD.containerd.service.SubState', 'running']]), systemd('active'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.doc!.results[0].status, 'skipped');
    assert.match(
      r.doc!.results[0].message,
      /key "SubState" not found in subtype SystemD\."containerd\.service"/,
    );
  });
});

describe('recipe --snapshot: overlay constraints use the same resolver', () => {
  it('an overlay needing an active containerd.service is excluded when it failed, applied when active; ambiguous is exit 2', async () => {
    const data = path.join(dir, 'data');
    await mkdir(path.join(data, 'overlays'), { recursive: true });
    await writeFile(path.join(data, 'registry.yaml'), 'kind: ComponentRegistry\ncomponents: []\n');
    await writeFile(
      path.join(data, 'overlays', 'eks-containerd.yaml'),
      [
        'kind: RecipeMetadata',
        'metadata:',
        '  name: eks-containerd',
        'spec:',
        '  base: eks',
        '  criteria:',
        '    service: eks',
        '    intent: training',
        '  constraints:',
        '    - name: SystemD.containerd.service.ActiveState',
        '      value: active',
        '',
      ].join('\n'),
    );
    const snap = (extra: string[]) =>
      snapshot(
        [
          '  - type: K8s',
          '    subtypes:',
          '      - subtype: server',
          '        data:',
          '          version: v1.33.5-eks-3025e55',
          '  - type: SystemD',
          '    subtypes:',
          ...extra,
        ].join('\n'),
      );
    const unit = (state: string) => [
      '      - subtype: containerd.service',
      '        data:',
      `          ActiveState: ${state}`,
    ];
    const run = async (text: string) =>
      runCli(['recipe', '--snapshot', await file(text), '--intent', 'training', '--data', data]);
    type Meta = { metadata: { appliedOverlays: string[]; excludedOverlays?: string[] } };

    let r = await run(snap(unit('failed')));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((parse(r.stdout) as Meta).metadata.excludedOverlays, ['eks-containerd']);

    r = await run(snap(unit('active')));
    assert.equal(r.code, 0, r.stderr);
    assert.ok((parse(r.stdout) as Meta).metadata.appliedOverlays.includes('eks-containerd'), r.stdout);

    r = await run(
      snap([
        ...unit('active'),
        '      - subtype: containerd',
        '        data:',
        '          service.ActiveState: active',
      ]),
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is ambiguous in this snapshot/);
  });
});

describe('scalars keep their source text', () => {
  const osSnap = (version: string) =>
    snapshot(
      [
        '  - type: OS',
        '    subtypes:',
        '      - subtype: release',
        '        data:',
        `          VERSION_ID: ${version}`,
        '  - type: GPU',
        '    subtypes:',
        '      - subtype: smi',
        '        data:',
        '          driver: 1.10',
      ].join('\n'),
    );

  it('unquoted 22.10 in a recipe and in a snapshot compare as "22.10"', async () => {
    const r = await validate(
      recipe([
        ['OS.release.VERSION_ID', '22.10'],
        ['GPU.smi.driver', '"1.10"'],
      ]),
      osSnap('22.10'),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.doc!.results.map((x) => [x.status, x.actual]),
      [
        ['pass', '22.10'],
        ['pass', '1.10'],
      ],
    );
  });

  it('22.10 is not 22.1: an exact 22.10 against an unquoted 22.1 fails (exit 9)', async () => {
    const r = await validate(recipe([['OS.release.VERSION_ID', '22.10']]), osSnap('22.1'));
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.doc!.results[0].actual, '22.1');
    assert.match(r.doc!.results[0].message, /expected 22\.10, got 22\.1$/);
  });

  it('1.10 ranks above 1.9 as a version (it is not the number 1.1)', async () => {
    const r = await validate(recipe([['GPU.smi.driver', '">= 1.9"']]), osSnap('"24.04"'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.doc!.results[0].status, 'pass');
  });

  it('JSON snapshots keep number text too', async () => {
    const json = JSON.stringify({
      kind: 'Snapshot',
      measurements: [{ type: 'OS', subtypes: [{ subtype: 'release', data: { VERSION_ID: 0 } }] }],
    }).replace('"VERSION_ID":0', '"VERSION_ID":22.10');
    const r = await validate(recipe([['OS.release.VERSION_ID', '"22.10"']]), json, 'json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.doc!.results[0].actual, '22.10');
  });
});

describe('versions of different precision', () => {
  const k8s = (version: string) =>
    snapshot(
      [
        '  - type: K8s',
        '    subtypes:',
        '      - subtype: server',
        '        data:',
        `          version: ${version}`,
      ].join('\n'),
    );

  it('an actual v1 does not satisfy >= 1.99.99 (missing components are zeros)', async () => {
    const r = await validate(recipe([['K8s.server.version', '">= 1.99.99"']]), k8s('v1'));
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.doc!.results[0].status, 'fail');
  });

  it('1.33.5 is above 1.33: <= 1.33 fails, > 1.33 passes', async () => {
    const r = await validate(
      recipe([
        ['K8s.server.version', '"> 1.33"'],
        ['K8s.server.version', '"<= 1.33.5"'],
      ]),
      k8s('v1.33.5-eks-3025e55'),
    );
    assert.equal(r.code, 0, r.stderr);
    const r2 = await validate(recipe([['K8s.server.version', '"<= 1.33"']]), k8s('v1.33.5-eks-3025e55'));
    assert.equal(r2.code, 9, r2.stderr);
  });
});

describe('one snapshot, one reading', () => {
  const rec = recipe([['OS.release.ID', 'ubuntu']]);

  it('a measurement type given twice is exit 2 naming both places', async () => {
    const snap = snapshot(
      [
        '  - type: OS',
        '    subtypes:',
        '      - subtype: release',
        '        data: {ID: ubuntu}',
        '  - type: OS',
        '    subtypes:',
        '      - subtype: release',
        '        data: {ID: rhel}',
      ].join('\n'),
    );
    for (const args of [
      async () => ['validate', '-r', await file(rec), '-s', await file(snap)],
      async () => ['recipe', '--snapshot', await file(snap)],
    ]) {
      const r = await runCli(await args());
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /measurements\[1\]: measurement type "OS" appears twice \(first at measurements\[0\]\)/,
      );
    }
  });

  it('a subtype given twice in one type is exit 2', async () => {
    const snap = snapshot(
      [
        '  - type: OS',
        '    subtypes:',
        '      - subtype: release',
        '        data: {ID: ubuntu}',
        '      - subtype: release',
        '        data: {ID: rhel}',
      ].join('\n'),
    );
    const r = await runCli(['validate', '-r', await file(rec), '-s', await file(snap)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /subtype "release" of measurement type OS appears twice/);
  });

  it('a duplicate key in a YAML or JSON document is exit 2 naming the key and line', async () => {
    const yamlSnap = snapshot(
      [
        '  - type: OS',
        '    subtypes:',
        '      - subtype: release',
        '        data:',
        '          ID: ubuntu',
        '          ID: rhel',
      ].join('\n'),
    );
    let r = await runCli(['validate', '-r', await file(rec), '-s', await file(yamlSnap)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /line 9: duplicate key \\?"ID\\?" \(first at line 8\)/);

    const jsonRecipe = '{"kind": "RecipeResult",\n "constraints": [],\n "kind": "RecipeResult"}';
    r = await runCli(['validate', '-r', await file(jsonRecipe, 'json'), '-s', await file(yamlSnap)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /line 3: duplicate key \\?"kind\\?" \(first at line 1\)/);

    r = await runCli([
      'recipe',
      '--criteria',
      await file('kind: RecipeCriteria\nspec:\n  service: eks\n  service: gke\n'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /line 4: duplicate key \\?"service\\?"/);
  });
});

describe('GPU model detection (recipe --snapshot)', () => {
  const gpu = (model: string) =>
    snapshot(
      [
        '  - type: GPU',
        '    subtypes:',
        '      - subtype: smi',
        '        data:',
        `          gpu.model: ${model}`,
      ].join('\n'),
    );

  it('whole known names map to their accelerator', async () => {
    for (const [model, want] of [
      ['NVIDIA H100 80GB HBM3', 'h100'],
      ['NVIDIA A100-SXM4-80GB', 'a100'],
      ['NVIDIA GB200', 'gb200'],
    ]) {
      const r = await runCli(['recipe', '--snapshot', await file(gpu(model)), '--intent', 'training']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        (parse(r.stdout) as { criteria: { accelerator: string } }).criteria.accelerator,
        want,
        model,
      );
    }
  });

  it('an RTX A1000 laptop GPU is not an A100: accelerator any, with a warning', async () => {
    const r = await runCli([
      'recipe',
      '--snapshot',
      await file(gpu('NVIDIA RTX A1000 6GB Laptop GPU')),
      '--intent',
      'training',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((parse(r.stdout) as { criteria: { accelerator: string } }).criteria.accelerator, 'any');
    assert.match(r.stderr, /GPU model not in the table of known models/);
    assert.match(r.stderr, /RTX A1000/);
  });
});

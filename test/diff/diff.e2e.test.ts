// `aicr diff` through the built CLI: formats, matching by type/subtype/key, ignores, --exit-code,
// kind mismatch, stdin, and the patch applied by an independent implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsonpatch from 'fast-json-patch';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-diff-'));
const file = (name: string, doc: unknown) => {
  const p = path.join(dir, name);
  writeFileSync(p, JSON.stringify(doc, null, 2));
  return p;
};

interface Doc {
  kind: string;
  apiVersion: string;
  metadata: Record<string, string>;
  measurements: { type: string; subtypes: { subtype: string; data: Record<string, unknown> }[] }[];
}
const baseline: Doc = {
  kind: 'Snapshot',
  apiVersion: 'aicr.nvidia.com/v1alpha1',
  metadata: { timestamp: '2026-01-01T00:00:00Z', 'source-node': 'gpu-1' },
  measurements: [
    {
      type: 'OS',
      subtypes: [
        { subtype: 'release', data: { ID: 'ubuntu', VERSION_ID: '22.04' } },
        {
          subtype: 'sysctl',
          data: { '/proc/sys/fs/file-nr': '1\t0\t9', '/proc/sys/kernel/pid_max': 4194304 },
        },
      ],
    },
    { type: 'GPU', subtypes: [{ subtype: 'smi', data: { driver: '570.86.15', 'gpu-count': 8 } }] },
  ],
};
const current = structuredClone(baseline);
current.metadata.timestamp = '2026-01-02T00:00:00Z';
current.measurements.reverse(); // reordering is not a change
current.measurements[0].subtypes[0].data.driver = '580.65.06';
const os1 = current.measurements[1];
os1.subtypes[1].data['/proc/sys/fs/file-nr'] = '2\t0\t9';
delete os1.subtypes[0].data.VERSION_ID;
os1.subtypes[0].data.PRETTY_NAME = 'Ubuntu 24.04';
const A = file('a.json', baseline);
const B = file('b.json', JSON.parse(JSON.stringify(current)));

test('yaml change list: measurement paths, old/new, default ignores counted', async () => {
  const r = await runCli(['diff', A, B]);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout);
  assert.equal(doc.kind, 'SnapshotDiff');
  assert.deepEqual(doc.summary, { changed: 1, added: 1, removed: 1, ignored: 2 });
  assert.deepEqual(doc.changes, [
    { path: 'GPU.smi.driver', change: 'changed', old: '570.86.15', new: '580.65.06' },
    { path: 'OS.release.VERSION_ID', change: 'removed', old: '22.04' },
    { path: 'OS.release.PRETTY_NAME', change: 'added', new: 'Ubuntu 24.04' },
  ]);
});

test('--exit-code: 1 when they differ, 0 for a reordered copy; --ignore drops paths', async () => {
  assert.equal((await runCli(['diff', A, B, '--exit-code'])).code, 1);
  const reordered = structuredClone(baseline);
  reordered.measurements.reverse();
  reordered.measurements[1].subtypes.reverse();
  const R = file('r.json', reordered);
  const same = await runCli(['diff', A, R, '--exit-code', '--format', 'json']);
  assert.equal(same.code, 0, same.stderr);
  assert.deepEqual(JSON.parse(same.stdout).changes, []);
  const ign = await runCli(['diff', A, B, '--exit-code', '--ignore', 'GPU.*', '--ignore', 'OS.release.*']);
  assert.equal(ign.code, 0, ign.stdout);
  const all = await runCli(['diff', A, B, '--no-default-ignores', '--format', 'json']);
  const paths = JSON.parse(all.stdout).changes.map((c: { path: string }) => c.path);
  assert.ok(paths.includes('metadata.timestamp') && paths.includes('OS.sysctl./proc/sys/fs/file-nr'));
});

test('--format patch applied with fast-json-patch gives CURRENT exactly (no ignores)', async () => {
  const out = path.join(dir, 'drift.json');
  const r = await runCli(['diff', A, B, '--no-default-ignores', '-o', out]); // patch: default for *.json
  assert.equal(r.code, 0, r.stderr);
  const ops = JSON.parse(readFileSync(out, 'utf8'));
  const got = jsonpatch.applyPatch(structuredClone(baseline), ops, true, false).newDocument;
  assert.deepEqual(got, JSON.parse(readFileSync(B, 'utf8')));
});

test('table groups by measurement type; stdin works as CURRENT', async () => {
  const r = await runCli(['diff', A, '-', '--format', 'table'], { input: readFileSync(B, 'utf8') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^GPU\n {2}~ GPU\.smi\.driver +570\.86\.15 +→ 580\.65\.06\n/);
  assert.match(r.stdout, /\nOS\n {2}- OS\.release\.VERSION_ID +22\.04 +→\n/);
  assert.match(r.stdout, /3 differences, 2 ignored\n$/);
});

test('a kind mismatch is exit 2; two recipes diff by component name', async () => {
  const recipe = (v: string) => ({
    kind: 'RecipeResult',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    componentRefs: [
      { name: 'cert-manager', version: 'v1.17.2' },
      { name: 'gpu-operator', version: v },
    ],
  });
  const R1 = file('r1.json', recipe('v25.3.0'));
  const R2 = file('r2.json', recipe('v25.10.1'));
  const bad = await runCli(['diff', A, R1]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot diff a Snapshot .* against a RecipeResult/);
  const r = await runCli(['diff', R1, R2, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).changes, [
    { path: 'componentRefs[gpu-operator].version', change: 'changed', old: 'v25.3.0', new: 'v25.10.1' },
  ]);
  assert.equal((await runCli(['diff', A, path.join(dir, 'missing.yaml')])).code, 3);
  assert.equal((await runCli(['diff', A, B, '--format', 'xml'])).code, 2);
});

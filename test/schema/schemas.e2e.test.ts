// Published JSON Schemas: generated files match the zod schemas (drift), the built CLI prints/writes the
// same bytes, every document aicr writes validates against its schema with an independent validator
// (ajv, draft 2020-12), known-bad documents fail there and in `aicr validate --schema v1`, and the zod
// check behind --schema agrees with ajv on every sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { generateSchemas, SCHEMA_DIR } from '../../scripts/gen-schemas.js';
import { checkDocumentSchema } from '../../src/schema/check.js';
import { SCHEMA_KINDS, schemaFile } from '../../src/schema/registry.js';
import { buildFleetReport } from '../../src/diff/fleet.js';
import { serialize } from '../../src/io/serialize.js';
import { toSnapshot } from '../../src/model/load.js';
import { runCli } from '../helpers/cli.js';
import { fixturesDir, repoRoot } from '../helpers/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-schema-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string) => path.join(dir, name);

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
for (const file of readdirSync(SCHEMA_DIR))
  ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
const KIND_FILE: Record<string, string> = {
  Snapshot: 'snapshot.json',
  RecipeResult: 'reciperesult.json',
  Recipe: 'reciperesult.json',
  RecipeCriteria: 'recipecriteria.json',
  ValidationResult: 'validationresult.json',
  FleetReport: 'fleetreport.json',
  SnapshotDiff: 'snapshotdiff.json',
  RecipeResultDiff: 'snapshotdiff.json',
  ValidationResultDiff: 'snapshotdiff.json',
  FleetReportDiff: 'snapshotdiff.json',
};
/** ajv's verdict on a document, against the schema its kind names. */
function ajvCheck(doc: Record<string, unknown>): { ok: boolean; errors: string } {
  const id = `https://aicr.run/schemas/v1/${KIND_FILE[String(doc.kind)]}`;
  const validate = ajv.getSchema(id);
  assert.ok(validate, `no schema ${id}`);
  const ok = validate(doc) as boolean;
  return { ok, errors: JSON.stringify(validate.errors ?? []) };
}
const parseFile = (file: string) => {
  const text = readFileSync(file, 'utf8');
  return (file.endsWith('.json') ? JSON.parse(text) : parse(text)) as Record<string, unknown>;
};

test('schemas/v1 is what scripts/gen-schemas.ts generates from the zod schemas (no drift)', () => {
  const generated = generateSchemas();
  assert.deepEqual([...generated.keys()].sort(), readdirSync(SCHEMA_DIR).sort());
  for (const [file, text] of generated) {
    assert.equal(
      readFileSync(path.join(SCHEMA_DIR, file), 'utf8'),
      text,
      `schemas/v1/${file} drifted: npm run schemas`,
    );
    const schema = JSON.parse(text);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.$id, `https://aicr.run/schemas/v1/${file}`);
  }
});

test('aicr schema KIND prints the committed schema (json, yaml; kinds case-insensitive)', async () => {
  for (const k of SCHEMA_KINDS) {
    const committed = readFileSync(path.join(SCHEMA_DIR, schemaFile(k)), 'utf8');
    const json = await runCli(['schema', k.kind.toUpperCase()]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, committed);
    const yaml = await runCli(['schema', k.kind.toLowerCase(), '--format', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parse(yaml.stdout), JSON.parse(committed));
  }
  const alias = await runCli(['schema', 'recipe']);
  assert.equal(alias.stdout, readFileSync(path.join(SCHEMA_DIR, 'reciperesult.json'), 'utf8'));
});

test('aicr schema --list, --output-dir, unknown kind, no kind', async () => {
  const list = await runCli(['schema', '--list']);
  assert.equal(list.code, 0, list.stderr);
  for (const k of SCHEMA_KINDS)
    assert.match(list.stdout, new RegExp(`^${k.kind} +https://aicr\\.run/schemas/v1/${schemaFile(k)}`, 'm'));

  const out = tmp('out/schemas');
  const wrote = await runCli(['schema', '--output-dir', out]);
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.deepEqual(readdirSync(out).sort(), readdirSync(SCHEMA_DIR).sort());
  for (const f of readdirSync(out))
    assert.equal(readFileSync(path.join(out, f), 'utf8'), readFileSync(path.join(SCHEMA_DIR, f), 'utf8'));
  const yamlOut = tmp('yaml-schemas');
  assert.equal((await runCli(['schema', '--output-dir', yamlOut, '-t', 'yaml'])).code, 0);
  assert.ok(readdirSync(yamlOut).every((f) => f.endsWith('.yaml')));

  const unknown = await runCli(['schema', 'Nope']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /unknown schema kind "Nope": must be one of: AICRConfig, FleetReport, RecipeCriteria, RecipeResult, Snapshot, SnapshotDiff, ValidationResult/,
  );
  assert.equal((await runCli(['schema'])).code, 2);
  assert.equal((await runCli(['schema', 'snapshot', '--list'])).code, 2);
  assert.equal((await runCli(['schema', 'snapshot', '-t', 'table'])).code, 2);
});

test('every document aicr writes validates against its published schema (ajv), in yaml and json', async () => {
  const written: string[] = [];
  for (const format of ['yaml', 'json']) {
    const snap = tmp(`snapshot.${format}`);
    const s = await runCli(['snapshot', '--filter', 'os', '-t', format, '-o', snap]);
    assert.equal(s.code, 0, s.stderr);
    written.push(snap);
    for (const [i, criteria] of [
      ['--service', 'eks', '--accelerator', 'h100', '--os', 'ubuntu', '--intent', 'training'],
      ['--service', 'gke', '--accelerator', 'gb200', '--intent', 'inference'],
      ['--service', 'aks'],
    ].entries()) {
      const recipe = tmp(`recipe-${i}.${format}`);
      const r = await runCli(['recipe', ...criteria, '-t', format, '-o', recipe]);
      assert.equal(r.code, 0, r.stderr);
      written.push(recipe);
    }
    const fromSnapshot = tmp(`recipe-snap.${format}`);
    const rs = await runCli([
      'recipe',
      '--snapshot',
      path.join(fixturesDir, 'policy', 'node-ok.yaml'),
      '--intent',
      'training',
      '-t',
      format,
      '-o',
      fromSnapshot,
    ]);
    assert.equal(rs.code, 0, rs.stderr);
    written.push(fromSnapshot);
    for (const node of ['node-ok', 'node-old']) {
      const result = tmp(`validation-${node}.${format}`);
      const v = await runCli([
        'validate',
        '-r',
        tmp(`recipe-0.${format}`),
        '-s',
        path.join(fixturesDir, 'policy', `${node}.yaml`),
        '-t',
        format,
        '-o',
        result,
        '--fail-on-error=false',
      ]);
      assert.equal(v.code, 0, v.stderr);
      written.push(result);
    }
  }
  // aicr diff's change lists (yaml and json) of every kind it compares.
  const pairs: [string, string][] = [
    [tmp('validation-node-ok.yaml'), tmp('validation-node-old.json')],
    [tmp('recipe-0.yaml'), tmp('recipe-1.json')],
    [path.join(fixturesDir, 'policy', 'node-ok.yaml'), path.join(fixturesDir, 'policy', 'node-old.yaml')],
  ];
  for (const [i, [a, b]] of pairs.entries()) {
    for (const format of ['yaml', 'json']) {
      const out = tmp(`diff-${i}.${format}`);
      const d = await runCli(['diff', a, b, '-t', format, '-o', out]);
      assert.equal(d.code, 0, d.stderr);
      written.push(out);
    }
  }
  // A FleetReport as a fleet run builds and writes it (the same builder and serializers).
  const node = async (name: string, file: string) => ({
    node: name,
    snapshot: await toSnapshot(parseFile(file), file),
  });
  const report = buildFleetReport(
    [
      await node('a', path.join(fixturesDir, 'policy', 'node-ok.yaml')),
      await node('b', path.join(fixturesDir, 'policy', 'node-ok.yaml')),
      await node('c', path.join(fixturesDir, 'policy', 'node-old.yaml')),
      { node: 'd', reason: 'timed out' },
    ],
    { timestamp: '2026-01-01T00:00:00Z' },
  );
  for (const format of ['yaml', 'json'] as const) {
    const out = tmp(`fleet-report.${format}`);
    writeFileSync(out, serialize(report, format));
    written.push(out);
  }
  const fleetDiff = tmp('fleet-diff.json');
  const fd = await runCli([
    'diff',
    tmp('fleet-report.yaml'),
    path.join(fixturesDir, 'policy', 'node-old.yaml'),
    '-t',
    'json',
    '-o',
    fleetDiff,
  ]);
  assert.equal(fd.code, 0, fd.stderr);
  written.push(fleetDiff);
  written.push(path.join(repoRoot, 'docs', 'examples', 'criteria.yaml'));
  for (const file of written) {
    const doc = parseFile(file);
    const verdict = ajvCheck(doc);
    assert.ok(verdict.ok, `${path.basename(file)} (${String(doc.kind)}): ${verdict.errors}`);
    assert.deepEqual(checkDocumentSchema(doc).problems, [], path.basename(file));
  }
  // And through the CLI, all at once.
  const all = await runCli(['validate', '--schema', 'v1', ...written]);
  assert.equal(all.code, 0, all.stdout + all.stderr);
  assert.equal(
    all.stdout
      .split('\n')
      .filter((l) =>
        / ok (Snapshot|RecipeResult|RecipeCriteria|ValidationResult|FleetReport|\w+Diff) /.test(l),
      ).length,
    written.length,
  );
});

const good = {
  snapshot: parse(readFileSync(path.join(fixturesDir, 'policy', 'node-ok.yaml'), 'utf8')) as Record<
    string,
    unknown
  >,
  recipe: {
    kind: 'RecipeResult',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    metadata: { version: 'v0.1.0' },
    criteria: { service: 'eks', nodes: 0 },
    constraints: [
      { name: 'OS.release.ID', value: 'ubuntu' },
      { name: 'K8s.server.version', value: 1.32 },
    ],
    componentRefs: [{ name: 'gpu-operator', version: 'v25.10.1', type: 'Helm' }],
  },
  criteria: { kind: 'RecipeCriteria', apiVersion: 'aicr.run/v1', spec: { service: 'eks', nodes: 8 } },
  validation: {
    kind: 'ValidationResult',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    metadata: {},
    status: 'pass',
    summary: { passed: 1, failed: 0, skipped: 0, errors: 0, total: 1 },
    results: [
      {
        name: 'OS.release.ID',
        phase: 'readiness',
        expected: 'ubuntu',
        actual: 'ubuntu',
        status: 'pass',
        message: 'ok',
      },
    ],
    policy: { status: 'pass', policies: [{ package: 'a', files: ['a.rego'], status: 'pass', messages: [] }] },
  },
};
const clone = <T>(v: T): T => structuredClone(v);
/** Known-bad documents: [name, document, a JSON path its --schema error must name]. */
const BAD: [string, Record<string, unknown>, string][] = [
  [
    'snapshot-type-number',
    (() => {
      const d = clone(good.snapshot) as { measurements: { type: unknown }[] };
      d.measurements[0].type = 3;
      return d as unknown as Record<string, unknown>;
    })(),
    '$.measurements[0].type: expected string, got integer 3',
  ],
  [
    'snapshot-measurements-map',
    { ...clone(good.snapshot), measurements: { K8s: {} } },
    '$.measurements: expected array, got object',
  ],
  ['snapshot-bad-apiversion', { ...clone(good.snapshot), apiVersion: 'v9' }, '$.apiVersion: expected'],
  [
    'snapshot-no-apiversion',
    (() => {
      const d = clone(good.snapshot);
      delete d.apiVersion;
      return d;
    })(),
    '$.apiVersion: required',
  ],
  [
    'recipe-constraint-list',
    { ...clone(good.recipe), constraints: [{ name: 'x', value: ['a'] }] },
    '$.constraints[0].value: expected string or number or boolean, got array',
  ],
  [
    'recipe-ref-no-name',
    { ...clone(good.recipe), componentRefs: [{ version: '1' }] },
    '$.componentRefs[0].name: required string is missing',
  ],
  [
    'recipe-nodes-fraction',
    { ...clone(good.recipe), criteria: { nodes: 1.5 } },
    '$.criteria.nodes: expected integer',
  ],
  ['criteria-spec-list', { ...clone(good.criteria), spec: ['eks'] }, '$.spec: expected object, got array'],
  [
    'validation-bad-status',
    { ...clone(good.validation), status: 'ok' },
    '$.status: expected "pass" or "fail" or "partial", got string "ok"',
  ],
  [
    'validation-negative-count',
    { ...clone(good.validation), summary: { passed: -1, failed: 0, skipped: 0, errors: 0, total: 0 } },
    '$.summary.passed: expected >= 0',
  ],
  [
    'validation-bad-phase',
    (() => {
      const d = clone(good.validation);
      d.results[0].phase = 'performance';
      return d;
    })(),
    '$.results[0].phase: expected "readiness" or "deployment"',
  ],
  [
    'validation-policy-message',
    (() => {
      const d = clone(good.validation) as unknown as { policy: { policies: { messages: unknown[] }[] } };
      d.policy.policies[0].messages = [{ rule: 'deny' }];
      return d as unknown as Record<string, unknown>;
    })(),
    '$.policy.policies[0].messages[0].msg: required string is missing',
  ],
];

test('known-bad documents fail with ajv and with aicr validate --schema v1, naming the JSON path', async () => {
  for (const [name, doc, expected] of BAD) {
    assert.equal(ajvCheck(doc).ok, false, `ajv accepted ${name}`);
    const file = tmp(`${name}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const r = await runCli(['validate', '--schema', 'v1', file]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.includes(expected), `${name}: expected "${expected}" in:\n${r.stdout}`);
    assert.match(r.stderr, /1 of 1 document does not match schema v1/);
  }
});

test('the --schema check (zod) and the published JSON Schema (ajv) agree on good and bad samples', () => {
  const samples: [string, Record<string, unknown>][] = [
    ...Object.entries(good).map(([k, v]) => [k, clone(v)] as [string, Record<string, unknown>]),
    ...BAD.map(([n, d]) => [n, d] as [string, Record<string, unknown>]),
    ['recipe-alias-kind', { ...clone(good.recipe), kind: 'Recipe' }],
    ['snapshot-extra-field', { ...clone(good.snapshot), extra: { any: 'thing' } }],
    ['snapshot-null-measurements', { ...clone(good.snapshot), measurements: null }],
    ['criteria-null-spec', { ...clone(good.criteria), spec: null }],
    [
      'validation-no-policy',
      (() => {
        const d = clone(good.validation) as Record<string, unknown>;
        delete d.policy;
        return d;
      })(),
    ],
    [
      'validation-no-results',
      (() => {
        const d = clone(good.validation) as Record<string, unknown>;
        delete d.results;
        return d;
      })(),
    ],
  ];
  for (const [name, doc] of samples) {
    const zodOk = checkDocumentSchema(clone(doc)).problems.length === 0;
    assert.equal(zodOk, ajvCheck(doc).ok, `${name}: zod ${zodOk}, ajv ${!zodOk}`);
  }
});

test('validate --schema: kind from the document, several files, stdin, errors', async () => {
  const ok = tmp('ok-snapshot.yaml');
  writeFileSync(ok, readFileSync(path.join(fixturesDir, 'policy', 'node-ok.yaml')));
  const noKind = await runCli(['validate', '--schema', 'v1', path.join(fixturesDir, 'mock-snapshot.yaml')]);
  assert.equal(noKind.code, 2);
  assert.match(
    noKind.stdout,
    /document has no kind field; expected one of AICRConfig, FleetReport, RecipeCriteria, RecipeResult, Snapshot, SnapshotDiff, ValidationResult/,
  );
  const bad = tmp('bad.json');
  writeFileSync(bad, JSON.stringify({ ...good.validation, status: 'ok' }));
  const mixed = await runCli(['validate', '--schema', 'v1', ok, bad]);
  assert.equal(mixed.code, 2);
  assert.match(
    mixed.stdout,
    /ok-snapshot\.yaml: ok Snapshot \(https:\/\/aicr\.run\/schemas\/v1\/snapshot\.json\)/,
  );
  assert.match(mixed.stdout, /bad\.json: invalid ValidationResult .*: 1 problem\n/);
  assert.match(mixed.stderr, /1 of 2 documents does not match schema v1: .*bad\.json/);
  const stdin = await runCli(['validate', '--schema', 'v1', '-'], { input: JSON.stringify(good.criteria) });
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.match(stdin.stdout, /^stdin: ok RecipeCriteria/);
  const other = await runCli(['validate', '--schema', 'v1', '-'], { input: 'kind: Deployment\n' });
  assert.equal(other.code, 2);
  assert.match(other.stdout, /unknown kind "Deployment"; expected one of/);
  assert.equal((await runCli(['validate', '--schema', 'v2', ok])).code, 2);
  assert.equal((await runCli(['validate', '--schema', 'v1'])).code, 2);
  assert.equal((await runCli(['validate', ok])).code, 2);
  assert.equal((await runCli(['validate', '--schema', 'v1', tmp('missing.yaml')])).code, 3);
});

// The one table of configuration settings (src/config/keys.ts) against the real command tree, the
// schema built from it, the per-user default location and the typo suggestions.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import assert from 'node:assert/strict';
import { buildProgram } from '../../src/cli/root.js';
import { CONFIG_COMMANDS, CONFIG_KEYS } from '../../src/config/keys.js';
import { didYouMean, editDistance, sectionEntries } from '../../src/config/load.js';
import { defaultConfigPath } from '../../src/config/paths.js';
import { aicrConfigSchema, type AicrConfig } from '../../src/config/schema.js';
import { configShapeOk } from '../../src/config/check.js';
import { parseDocument } from '../../src/io/document.js';

/** Settings whose flag another change adds (issue 12: bundle --vendor-charts). */
const PENDING = new Set(['bundle --vendor-charts']);

test('every setting names a flag of its command, of the matching kind', () => {
  const { program } = buildProgram();
  for (const command of CONFIG_COMMANDS) {
    const cmd = program.commands.find((c) => c.name() === command);
    assert.ok(cmd, command);
    assert.ok(
      cmd.options.some((o) => o.long === '--config'),
      `${command} --config`,
    );
    for (const key of CONFIG_KEYS.filter((k) => k.command === command)) {
      const opt = cmd.options.find((o) => o.long === `--${key.flag}`);
      if (!opt) {
        assert.ok(
          PENDING.has(`${command} --${key.flag}`),
          `aicr ${command} has no --${key.flag} (${key.path})`,
        );
        continue;
      }
      const takesValue = opt.required || opt.optional;
      if (key.kind === 'bool') {
        assert.ok(!opt.required, `${command} --${key.flag} is a value flag, not a boolean`);
      } else {
        assert.ok(takesValue, `${command} --${key.flag} takes no value but ${key.path} is a ${key.kind}`);
      }
    }
    // Keys are unique per command and so are flags.
    const rows = CONFIG_KEYS.filter((k) => k.command === command);
    assert.equal(new Set(rows.map((k) => k.path)).size, rows.length);
    assert.equal(new Set(rows.map((k) => k.flag)).size, rows.length);
  }
});

test('the schema is strict, needs one section and turns maps into key=value flag values', () => {
  const ok = aicrConfigSchema.safeParse({
    kind: 'AICRConfig',
    apiVersion: 'aicr.run/v1beta1',
    spec: { bundle: { scheduling: { acceleratedNodeSelector: { pool: 'gpu', count: 2, on: true } } } },
  });
  assert.ok(ok.success);
  const entries = sectionEntries(ok.data as AicrConfig, 'bundle');
  assert.deepEqual(
    entries.map((e) => [e.path, e.value]),
    [['spec.bundle.scheduling.acceleratedNodeSelector', ['pool=gpu', 'count=2', 'on=true']]],
  );
  const base = { kind: 'AICRConfig', apiVersion: 'aicr.run/v1beta1' };
  assert.ok(!aicrConfigSchema.safeParse({ ...base, spec: {} }).success);
  assert.ok(
    !aicrConfigSchema.safeParse({ ...base, spec: { recipe: { criteria: { gpu: 'h100' } } } }).success,
  );
  assert.ok(!aicrConfigSchema.safeParse({ ...base, spec: { recipe: {} }, extra: 1 }).success);
  assert.ok(!aicrConfigSchema.safeParse({ ...base, apiVersion: 'v1', spec: { recipe: {} } }).success);
  assert.ok(aicrConfigSchema.safeParse({ ...base, spec: { recipe: null } }).success);
  // __proto__ is data (own property) and an unknown key like any other.
  const proto = JSON.parse(
    '{"kind":"AICRConfig","apiVersion":"aicr.run/v1beta1","spec":{"recipe":{"__proto__":{}}}}',
  );
  assert.ok(!aicrConfigSchema.safeParse(proto).success);
});

test('did you mean: close keys only', () => {
  assert.equal(editDistance('deploymnt', 'deployment'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(didYouMean('deploymnt', ['input', 'deployment', 'output']), 'deployment');
  assert.equal(didYouMean('accelerater', ['service', 'accelerator']), 'accelerator');
  assert.equal(didYouMean('failonerror', ['failOnError', 'phases']), 'failOnError');
  assert.equal(didYouMean('zzzzzz', ['service', 'accelerator']), undefined);
});

test('the per-user file: XDG_CONFIG_HOME, ~/.config, %APPDATA% on Windows', () => {
  assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }, 'linux'), '/x/aicr/config.yaml');
  assert.equal(defaultConfigPath({ HOME: '/h' }, 'darwin'), '/h/.config/aicr/config.yaml');
  // A relative XDG_CONFIG_HOME is invalid (XDG Base Directory) and ignored.
  assert.equal(
    defaultConfigPath({ XDG_CONFIG_HOME: 'rel', HOME: '/h' }, 'linux'),
    '/h/.config/aicr/config.yaml',
  );
  assert.equal(
    defaultConfigPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32'),
    'C:\\Users\\u\\AppData\\Roaming\\aicr\\config.yaml',
  );
  assert.equal(defaultConfigPath({}, 'linux'), undefined);
});

test('docs/config.md documents every key with its flag', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'config.md'), 'utf8');
  for (const command of CONFIG_COMMANDS) {
    const start = doc.indexOf(`### spec.${command}\n`);
    assert.ok(start > 0, `docs/config.md has no section spec.${command}`);
    const end = doc.indexOf('\n#', start + 5);
    const section = doc.slice(start, end < 0 ? undefined : end);
    for (const k of CONFIG_KEYS.filter((x) => x.command === command)) {
      assert.ok(
        section.includes(`| \`${k.path}\` |`) && section.includes(`\`--${k.flag}\``),
        `${command} ${k.path}`,
      );
    }
  }
});

test('the fast check and the zod schema agree', () => {
  const h = 'kind: AICRConfig\napiVersion: aicr.run/v1beta1\n';
  const docs = [
    readFileSync(path.join(repoRoot, 'docs', 'examples', 'aicr-config-training.yaml'), 'utf8'),
    `${h}spec:\n  recipe:\n`,
    `${h}metadata:\n  name: x\nspec:\n  recipe: {criteria: {service: EKS, os: al2023, nodes: 0}}\n`,
    `${h}metadata:\n  name: 1\nspec:\n  recipe: {}\n`,
    `${h}metadata:\n  nam: x\nspec:\n  recipe: {}\n`,
    `${h}metadata:\nspec:\n  snapshot: {fleet: {workers: 1}}\n`,
    `${h}spec:\n  snapshot: {fleet: {workers: 0}}\n`,
    `${h}spec:\n  snapshot: {execution: {maxNodesPerEntry: -1}}\n`,
    `${h}spec:\n  snapshot: {execution: {maxNodesPerEntry: 1.5}}\n`,
    `${h}spec:\n  snapshot: {execution: {maxNodesPerEntry: 9007199254740993}}\n`,
    `${h}spec:\n  recipe: {criteria: {service: ekss}}\n`,
    `${h}spec:\n  recipe: {criteria: {nodes: "2"}}\n`,
    `${h}spec:\n  recipe: {criteria: null}\n`,
    `${h}spec:\n  recipe: {criteria: []}\n`,
    `${h}spec:\n  recipe: {output: {format: xml}}\n`,
    `${h}spec:\n  bundle: {deployment: {set: [a, 1]}}\n`,
    `${h}spec:\n  bundle: {deployment: {set: a}}\n`,
    `${h}spec:\n  bundle: {scheduling: {systemNodeSelector: {a: [b]}}}\n`,
    `${h}spec:\n  bundle: {scheduling: {systemNodeSelector: {a: null}}}\n`,
    `${h}spec:\n  bundle: {scheduling: {systemNodeSelector: {a: 1, b: true}}}\n`,
    `${h}spec:\n  validate: {execution: {failOnError: "false"}}\n`,
    `${h}spec:\n  validate: {input: {recipe: r.yaml}, extra: 1}\n`,
    `${h}spec:\n  validat: {}\n`,
    `${h}spec: {}\n`,
    `${h}spec: []\n`,
    `${h}spec: null\n`,
    `${h}\n`.replace('kind: AICRConfig', 'kind: AICRConfig\nspec: {recipe: {}}'),
    'kind: AICRConfig\napiVersion: aicr.run/v1alpha2\nspec: {recipe: {}}\n',
    'kind: AICRConfig\napiVersion: aicr.run/v1\nspec: {recipe: {}}\n',
    'kind: Other\napiVersion: aicr.run/v1beta1\nspec: {recipe: {}}\n',
    'apiVersion: aicr.run/v1beta1\nspec: {recipe: {}}\n',
    `${h}spec: {recipe: {}}\nstatus: {}\n`,
    '[1, 2]\n',
  ];
  let valid = 0;
  for (const text of docs) {
    const doc = parseDocument(text, 'test');
    const zod = aicrConfigSchema.safeParse(doc).success;
    assert.equal(configShapeOk(doc), zod, text);
    if (zod) valid++;
  }
  assert.ok(valid >= 6 && valid < docs.length - 10, String(valid));
  const proto = JSON.parse(
    '{"kind":"AICRConfig","apiVersion":"aicr.run/v1beta1","spec":{"recipe":{"__proto__":{}}}}',
  );
  assert.equal(configShapeOk(proto), false);
});

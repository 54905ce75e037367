// The configuration file (issue 14 §1) through the built CLI (split in files to keep each short): precedence flag > env > file > default for
// several commands, errors naming file, line and key (with "did you mean"), --config from a file and from
// http on 127.0.0.1, AICR_CONFIG, the per-user default file, and aicr config path|view|init.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { ConfigSandbox, HEADER, criteriaOf } from './helpers.js';

let box: ConfigSandbox;
let tmp: string;
const cfg = (name: string, body: string) => box.cfg(name, body);
const env = (extra: Record<string, string | undefined> = {}) => box.env(extra);

before(() => {
  box = new ConfigSandbox();
  ({ tmp } = box);
});

after(() => box.remove());

describe('errors name the file, the line and the key (exit 2)', () => {
  test('unknown key: "did you mean"', async () => {
    const file = cfg('typo.yaml', `${HEADER}spec:\n  bundle:\n    deploymnt:\n      deployer: helm\n`);
    const r = await runCli(['bundle', '--config', file], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /typo\.yaml: line 5: spec\.bundle\.deploymnt: unknown key "deploymnt"; did you mean "deployment"\?/,
    );
  });

  test('hostile keys: __proto__ is an unknown key, control characters are printed escaped', async () => {
    const proto = cfg('proto.yaml', `${HEADER}spec:\n  recipe:\n    __proto__:\n      polluted: 1\n`);
    const r = await runCli(['recipe', '--config', proto], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /proto\.yaml: line 5: spec\.recipe\.__proto__: unknown key "__proto__"/);
    const esc = cfg('esc.yaml', `${HEADER}spec:\n  recipe:\n    "bad\\x1b[31mkey": 1\n`);
    const e = await runCli(['recipe', '--config', esc], { env: env() });
    assert.equal(e.code, 2, e.stderr);
    assert.ok(!e.stderr.includes('\u001b'), e.stderr);
    assert.match(e.stderr, /spec\.recipe\.bad\\x1b\[31mkey: unknown key/);
  });

  test('wrong type, bad enum and bad criteria values name their line', async () => {
    const cases: [string, RegExp][] = [
      [
        `spec:\n  recipe:\n    criteria:\n      service: eks\n      nodes: two\n`,
        /line 7: spec\.recipe\.criteria\.nodes: expected a number, got string "two"/,
      ],
      [
        `spec:\n  recipe:\n    criteria:\n      service: ekss\n`,
        /line 6: spec\.recipe\.criteria\.service: invalid service type: ekss; allowed: /,
      ],
      [
        `spec:\n  validate:\n    output:\n      format: xml\n`,
        /line 6: spec\.validate\.output\.format: invalid value "xml"; allowed: yaml, json, table/,
      ],
      [
        `spec:\n  bundle:\n    scheduling:\n      systemNodeSelector: [a=b]\n`,
        /line 6: spec\.bundle\.scheduling\.systemNodeSelector: expected a map, got a list/,
      ],
      [`spec: {}\n`, /line 3: spec: must have at least one of snapshot, recipe, bundle, validate/],
    ];
    for (const [body, re] of cases) {
      const file = cfg('bad.yaml', HEADER + body);
      const r = await runCli(['recipe', '--config', file], { env: env() });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /config \S*bad\.yaml: /);
    }
    const wrongKind = cfg(
      'kind.yaml',
      'kind: RecipeCriteria\napiVersion: aicr.run/v1beta1\nspec:\n  recipe: {}\n',
    );
    const r = await runCli(['recipe', '--config', wrongKind], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 1: kind: must be "AICRConfig"/);
  });

  test('JSON files are read too; duplicate keys are refused with both lines', async () => {
    const json = cfg(
      'c.json',
      JSON.stringify({
        kind: 'AICRConfig',
        apiVersion: 'aicr.run/v1beta1',
        spec: { recipe: { criteria: { service: 'eks' } } },
      }),
    );
    const ok = await runCli(['recipe', '--config', json, '-t', 'json'], { env: env() });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(criteriaOf(ok.stdout).service, 'eks');
    const dup = cfg('dup.yaml', `${HEADER}spec:\n  recipe: {}\n  recipe: {}\n`);
    const r = await runCli(['recipe', '--config', dup], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /duplicate key "recipe"/);
  });

  test('a missing --config or AICR_CONFIG file is not found (exit 3); stdin and cm:// are refused (exit 2)', async () => {
    const missing = path.join(tmp, 'nope.yaml');
    const r = await runCli(['recipe', '--config', missing], { env: env() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /nope\.yaml/);
    const e = await runCli(['recipe'], { env: env({ AICR_CONFIG: missing }) });
    assert.equal(e.code, 3, e.stderr);
    assert.equal((await runCli(['recipe', '--config', '-'], { env: env(), input: HEADER })).code, 2);
    const cm = await runCli(['recipe', '--config', 'cm://ns/name'], { env: env() });
    assert.equal(cm.code, 2);
    assert.match(cm.stderr, /ConfigMap/);
    const twice = await runCli(['recipe', '--config', missing, '--config', missing], { env: env() });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--config can only be specified once/);
  });
});

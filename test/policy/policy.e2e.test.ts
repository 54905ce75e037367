// `aicr validate --policy` through the built CLI with the real opa binary: the example policies
// (docs/examples/policies) against passing and failing fixture snapshots, messages in the
// ValidationResult and the table, exit codes, Rego errors with file and line, no engine, folders;
// the examples' own `opa test` files; and the CI job example run end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli, writeTrainingRecipe } from '../helpers/cli.js';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths.js';
import { findTool, toolSkipReason } from '../helpers/tools.js';

const skip = toolSkipReason('opa');
if (skip) console.log(`# skipping policy tests: ${skip}`);
const opa = findTool('opa') ?? '';
const examples = path.join(repoRoot, 'docs', 'examples', 'policies');
const nodeOk = path.join(fixturesDir, 'policy', 'node-ok.yaml');
const nodeOld = path.join(fixturesDir, 'policy', 'node-old.yaml');

const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-policy-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string) => path.join(dir, name);
const recipe = tmp('recipe.yaml');
const env = { AICR_OPA: opa };

test('setup: a recipe for eks/h100/ubuntu/training', { skip }, async () => {
  await writeTrainingRecipe(recipe, ['--os', 'ubuntu']);
});

interface Result {
  status: string;
  policy: {
    status: string;
    engine?: string;
    policies: {
      package: string;
      files: string[];
      status: string;
      messages: { rule: string; msg: string; details?: unknown }[];
    }[];
  };
}

test('example policies pass on a compliant node (exit 0, policy section, table)', { skip }, async () => {
  const r = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', examples, '-t', 'json'], {
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Result;
  assert.equal(doc.status, 'pass');
  assert.equal(doc.policy.status, 'pass');
  assert.match(doc.policy.engine ?? '', /^opa 1\./);
  assert.deepEqual(
    doc.policy.policies.map((p) => p.package),
    ['aicr.examples.driver', 'aicr.examples.gpuoperator', 'aicr.examples.kernel', 'aicr.examples.os'],
  );
  assert.ok(
    doc.policy.policies.every((p) => p.status === 'pass' && p.messages.length === 0 && p.files.length === 1),
  );
  assert.ok(
    !doc.policy.policies.some((p) => p.files.some((f) => f.endsWith('_test.rego'))),
    'a folder leaves *_test.rego out',
  );

  const table = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', examples, '-t', 'table'], {
    env,
  });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^PASS +aicr\.examples\.driver +- +no deny or violation messages$/m);
  assert.match(table.stdout, /^policy: pass \(4 packages, opa 1\.\d+\.\d+\)$/m);
});

test(
  'example policies deny an outdated node: messages per package, exit 9, --fail-on-error=false',
  { skip },
  async () => {
    const out = tmp('old.json');
    const r = await runCli(
      ['validate', '-r', recipe, '-s', nodeOld, '--policy', examples, '-t', 'json', '-o', out],
      { env },
    );
    assert.equal(r.code, 9, r.stderr);
    assert.match(
      r.stderr,
      /3 policy messages from aicr\.examples\.driver, aicr\.examples\.gpuoperator, aicr\.examples\.kernel/,
    );
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Result;
    assert.equal(doc.status, 'fail');
    const msgs = Object.fromEntries(
      doc.policy.policies.map((p) => [p.package, p.messages.map((m) => `${m.rule}: ${m.msg}`)]),
    );
    assert.deepEqual(msgs, {
      'aicr.examples.driver': ['deny: GPU driver 535.104.05 is older than the required minimum 570.86.0'],
      'aicr.examples.gpuoperator': ['deny: GPU Operator v24.9.2 is older than the required 25.3.0'],
      'aicr.examples.kernel': ['deny: kernel 5.15.0-105-generic is older than the required minimum 6.8'],
      'aicr.examples.os': [],
    });
    const table = await runCli(
      ['validate', '-r', recipe, '-s', nodeOld, '--policy', examples, '-t', 'table', '--fail-on-error=false'],
      { env },
    );
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^FAIL +aicr\.examples\.driver +deny +GPU driver 535\.104\.05 is older/m);
    assert.match(table.stdout, /^policy: fail /m);
  },
);

test(
  'one policy file; a policy message alone fails the run; violation objects keep their details',
  { skip },
  async () => {
    const pol = tmp('custom.rego');
    writeFileSync(
      pol,
      [
        'package team.rules',
        '',
        'deny contains "no H100 clusters on Fridays" if input.recipe.criteria.accelerator == "h100"',
        '',
        'violation contains {"msg": "too few passed", "passed": input.validation.summary.passed} if {',
        '\tinput.validation.summary.passed < 100',
        '}',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', pol, '-t', 'yaml'], { env });
    assert.equal(r.code, 9, r.stderr);
    const doc = parse(r.stdout) as Result;
    assert.equal(doc.status, 'fail', 'constraints all passed; the policy failed the result');
    assert.deepEqual(doc.policy.policies[0].messages, [
      { rule: 'deny', msg: 'no H100 clusters on Fridays' },
      { rule: 'violation', msg: 'too few passed', details: { passed: 5 } },
    ]);
    assert.deepEqual(doc.policy.policies[0].files, [pol]);
    // Repeatable: two --policy flags, the same package from two files is one entry.
    const second = tmp('more.rego');
    writeFileSync(second, 'package team.rules\n\ndeny contains "second file" if true\n');
    const two = await runCli(
      ['validate', '-r', recipe, '-s', nodeOk, '--policy', pol, '--policy', second, '-t', 'json'],
      { env },
    );
    const d2 = JSON.parse(two.stdout) as Result;
    assert.deepEqual(
      d2.policy.policies.map((p) => [p.package, p.files]),
      [['team.rules', [pol, second]]],
    );
    assert.equal(d2.policy.policies[0].messages.length, 3);
  },
);

test(
  'a hostile deny message (escape sequences, newline) is printed escaped on one line',
  { skip },
  async () => {
    const hostile = tmp('hostile.rego');
    writeFileSync(
      hostile,
      'package hostile\n\ndeny contains msg if { msg := "evil \\u001b[31mred\\u001b[0m\\nsecond line" }\n',
    );
    const r = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', hostile, '-t', 'table'], {
      env,
    });
    assert.equal(r.code, 9, r.stderr);
    for (const out of [r.stdout, r.stderr]) {
      assert.ok(!out.includes('\u001b'), 'no raw ESC reaches the terminal');
      assert.ok(out.includes('evil \\x1b[31mred\\x1b[0m\\nsecond line'), out);
    }
  },
);

test('Rego syntax and type errors are exit 2 naming the file and line', { skip }, async () => {
  const bad = tmp('bad.rego');
  writeFileSync(bad, 'package bad\n\ndeny contains msg if {\n  input.x >\n}\n');
  const r = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', bad], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`${bad}:5: unexpected } token (rego_parse_error)`), r.stderr);
  const v0 = tmp('v0.rego');
  writeFileSync(v0, 'package old\n\ndeny[msg] { msg := "v0 syntax" }\n');
  const r0 = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', v0], { env });
  assert.equal(r0.code, 2, r0.stderr);
  assert.ok(r0.stderr.includes(`${v0}:3:`), r0.stderr);
  const typed = tmp('typed.rego');
  writeFileSync(typed, 'package typed\n\ndeny contains msg if { msg := input.x + "a" }\n');
  const rt = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', typed], { env });
  assert.equal(rt.code, 2);
  assert.match(rt.stderr, /typed\.rego:3: .*rego_type_error/);
  const shape = tmp('shape.rego');
  writeFileSync(shape, 'package shape\n\ndeny contains 42 if true\n');
  const rs = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', shape], { env });
  assert.equal(rs.code, 2);
  assert.match(
    rs.stderr,
    /package shape .*a deny message must be a string or an object with a string msg, got 42/,
  );
});

test(
  'no engine: exit 2 saying how to get opa; missing policy exit 3; not .rego exit 2',
  { skip },
  async () => {
    // An empty PATH folder: no opa anywhere (runCli starts node by its absolute path).
    const bare = tmp('bare-path');
    mkdirSync(bare);
    const noOpa = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', examples], {
      env: { PATH: bare, AICR_OPA: undefined },
    });
    assert.equal(noOpa.code, 2, noOpa.stderr);
    assert.match(
      noOpa.stderr,
      /needs the opa binary, and none is on PATH; install OPA 1\.x: `go install github\.com\/open-policy-agent\/opa@v1\.22\.3`/,
    );
    const wrong = await runCli([
      'validate',
      '-r',
      recipe,
      '-s',
      nodeOk,
      '--policy',
      examples,
      '--opa',
      tmp('nope'),
    ]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--opa .*nope: not an executable file; install OPA/);
    const flag = await runCli(
      ['validate', '-r', recipe, '-s', nodeOk, '--policy', examples, '--opa', opa, '-t', 'json'],
      { env: { AICR_OPA: undefined } },
    );
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(
      (await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', tmp('missing.rego')], { env })).code,
      3,
    );
    assert.equal(
      (await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', recipe], { env })).code,
      2,
    );
    const empty = tmp('empty');
    mkdirSync(empty);
    const e = await runCli(['validate', '-r', recipe, '-s', nodeOk, '--policy', empty], { env });
    assert.equal(e.code, 2);
    assert.match(e.stderr, /has no \.rego files/);
  },
);

test('the example policies pass their own opa tests', { skip }, () => {
  const r = spawnSync(opa, ['test', examples], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PASS: 3\/3/);
});

test('CI job example: snapshot -> validate (schema + constraints + policy) -> bundle', { skip }, () => {
  const job = path.join(repoRoot, 'docs', 'examples', 'ci', 'validate-job.sh');
  const run = (snapshot: string, out: string) =>
    spawnSync('bash', [job], {
      encoding: 'utf8',
      env: {
        ...process.env,
        AICR: `${process.execPath} ${cliPath}`,
        OUT: out,
        SNAPSHOT: snapshot,
        PATH: `${path.dirname(opa)}${path.delimiter}${process.env.PATH}`,
      },
    });
  const ok = run(nodeOk, tmp('ci-ok'));
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /bundle ready in/);
  const v = JSON.parse(readFileSync(tmp('ci-ok/validation.json'), 'utf8')) as Result;
  assert.equal(v.policy.status, 'pass');
  assert.ok(readFileSync(tmp('ci-ok/bundle/deploy.sh'), 'utf8').length > 0);
  const bad = run(nodeOld, tmp('ci-old'));
  assert.equal(bad.status, 9, 'an outdated node stops the job before bundle');
  assert.throws(() => readFileSync(tmp('ci-old/bundle/deploy.sh')));
});

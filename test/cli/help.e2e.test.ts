/** `aicr help` and `aicr help <command>` work as in kubectl and helm (issue 9 §7), through the built CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

test('aicr help prints the root help on stdout, exit 0, same as --help', async () => {
  const h = await runCli(['help']);
  const flag = await runCli(['--help']);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout, flag.stdout);
  assert.match(h.stdout, /^Usage: aicr /);
  assert.match(h.stdout, /^\s+help \[command\.\.\.\]\s+Show help for aicr or one of its commands/m);
  assert.equal(h.stderr, '');
});

test('aicr help <command> equals aicr <command> --help for every command', async () => {
  for (const c of ['snapshot', 'recipe', 'query', 'validate', 'bundle', 'version', 'completion']) {
    const h = await runCli(['help', c]);
    const flag = await runCli([c, '--help']);
    assert.equal(h.code, 0, `${c}: ${h.stderr}`);
    assert.equal(h.stdout, flag.stdout, c);
    assert.match(h.stdout, new RegExp(`^Usage: aicr ${c} `));
  }
  // Words after a command without subcommands are its arguments, as in `kubectl help get pods`.
  const nested = await runCli(['help', 'completion', 'bash']);
  assert.equal(nested.code, 0, nested.stderr);
  assert.equal(nested.stdout, (await runCli(['completion', '--help'])).stdout);
  assert.match(nested.stdout, /Examples:/);
});

test('aicr help <unknown> is exit 2 naming the commands there are', async () => {
  const r = await runCli(['help', 'recipes']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /unknown help topic "recipes" for aicr; available: snapshot, recipe, query, validate/,
  );
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

// The program registers only the command a command line names (start-up cost); anything else gets the
// whole tree, so root help, suggestions and `help`/`completion` are unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, commandWord } from '../../src/cli/root.js';

test('commandWord finds the command past root options, and only then', () => {
  assert.equal(commandWord(['recipe', '--service', 'eks']), 'recipe');
  assert.equal(commandWord(['--debug', '--log-json', 'bundle', '-r', 'x']), 'bundle');
  assert.equal(commandWord(['--s3-endpoint', 'recipe', 'query']), 'query'); // the option's value is skipped
  assert.equal(commandWord(['--trace-endpoint=http://127.0.0.1:4318', 'validate']), 'validate');
  assert.equal(commandWord(['--version']), '');
  assert.equal(commandWord(['-v']), '');
  for (const argv of [
    [],
    ['--help'],
    ['-h', 'recipe'],
    ['--version', 'recipe'],
    ['--debug', '-v'],
    ['help', 'recipe'],
    ['completion', 'bash'],
    ['recipee'],
    ['config', 'view'],
    ['--', 'recipe'],
    ['--s3-endpoint'],
  ]) {
    assert.equal(commandWord(argv), undefined, JSON.stringify(argv));
  }
});

test('a named command gets a one-command tree; otherwise every command is there', () => {
  const one = buildProgram('recipe').program;
  assert.deepEqual(
    one.commands.map((c) => c.name()),
    ['recipe'],
  );
  const all = buildProgram().program.commands.map((c) => c.name());
  for (const name of ['snapshot', 'recipe', 'query', 'validate', 'bundle', 'completion', 'help']) {
    assert.ok(all.includes(name), name);
  }
});

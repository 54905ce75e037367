// The CLI root through the built binary: help, version, unknown commands/flags, logging modes,
// completion scripts exercised in real shells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';

test('no arguments prints the root help on stdout and exits 0', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: aicr/);
  for (const c of ['recipe', 'query', 'version', 'completion'])
    assert.match(r.stdout, new RegExp(`\\n  ${c}`));
});

test('--version and the version command print version, commit and date', async () => {
  const a = await runCli(['--version']);
  assert.equal(a.code, 0);
  assert.match(a.stdout, /^aicr version \S+ \(commit: \S+, date: \S+\)\n$/);
  const b = await runCli(['version']);
  assert.equal(b.stdout, a.stdout);
  const j = await runCli(['version', '--format', 'json']);
  assert.deepEqual(Object.keys(JSON.parse(j.stdout)), ['version', 'commit', 'date']);
});

test('every command has --help with examples', async () => {
  for (const c of ['recipe', 'query', 'version', 'completion']) {
    const r = await runCli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, /Examples:\n {2}\$ \S+/, `${c} help has examples`);
  }
});

test('unknown command: exit 2, one line with a suggestion', async () => {
  const r = await runCli(['recip']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command 'recip' \(Did you mean recipe\?\); see 'aicr --help'/);
});

test('unknown flag: exit 2 naming the flag and the command help', async () => {
  const r = await runCli(['recipe', '--servce', 'eks']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--servce' \(Did you mean --service\?\); see 'aicr recipe --help'/);
});

test('global flags work before and after the command; logs go to stderr only', async () => {
  const a = await runCli(['--log-json', 'recipe', '--service', 'eks']);
  const b = await runCli(['recipe', '--service', 'eks', '--log-json']);
  for (const r of [a, b]) {
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^kind: RecipeResult/);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const done = lines.find((l) => l.msg === 'recipe generation completed');
    assert.equal(done.level, 'INFO');
    assert.equal(done.module, 'aicr');
    assert.equal(done.components, 11);
  }
  const d = await runCli(['--debug', 'recipe', '--service', 'eks']);
  assert.match(d.stderr, /^time=\S+ level=DEBUG msg=starting module=aicr/m);
  const e = await runCli(['recipe', '--service', 'eks'], { env: { AICR_DEBUG: 'true' } });
  assert.match(e.stderr, /level=DEBUG msg=starting/);
  const off = await runCli(['--debug=false', 'recipe', '--service', 'eks']);
  assert.doesNotMatch(off.stderr, /level=DEBUG/);
  const f = await runCli(['recipe', '--service', 'eks'], { env: { AICR_DEBUG: 'maybe' } });
  assert.equal(f.code, 2);
  assert.match(f.stderr, /could not parse "maybe" as bool value from environment variable "AICR_DEBUG"/);
});

test('errors are one line without a stack trace, unless --debug', async () => {
  const r = await runCli(['recipe', '--service', 'foo']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.doesNotMatch(r.stderr, /at .*\.mjs/);
  const d = await runCli(['recipe', '--service', 'foo', '--debug']);
  assert.match(d.stderr, /AicrError|at /);
});

function hasShell(sh: string): boolean {
  return spawnSync(sh, ['-c', 'exit 0']).status === 0;
}

test('bash completion completes commands, flags and enum values', async (t) => {
  if (!hasShell('bash')) return t.skip('bash not installed');
  const script = (await runCli(['completion', 'bash'])).stdout;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-comp-'));
  const file = path.join(dir, 'aicr.bash');
  writeFileSync(file, script);
  const complete = (words: string[]) => {
    const cword = words.length - 1;
    const arr = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', [
      '-c',
      `source ${file}; COMP_WORDS=(${arr}); COMP_CWORD=${cword}; _aicr; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]);
    assert.equal(r.status, 0, r.stderr.toString());
    return r.stdout.toString().trim().split('\n').filter(Boolean);
  };
  assert.deepEqual(complete(['aicr', 're']), ['recipe']);
  assert.ok(complete(['aicr', 'recipe', '--ser']).includes('--service'));
  assert.deepEqual(complete(['aicr', 'recipe', '--accelerator', 'h']), ['h100']);
  assert.deepEqual(complete(['aicr', 'query', '--format', 'j']), ['json']);
  assert.deepEqual(complete(['aicr', 'recipe', '--os', '']).sort(), [
    'amazonlinux',
    'any',
    'cos',
    'rhel',
    'ubuntu',
  ]);
  assert.deepEqual(complete(['aicr', 'completion', 'f']), ['fish']);
});

test('zsh and fish completion scripts are valid for their shells', async (t) => {
  const zsh = (await runCli(['completion', 'zsh'])).stdout;
  const fish = (await runCli(['completion', 'fish'])).stdout;
  assert.match(zsh, /^#compdef aicr/);
  assert.match(fish, /complete -c aicr .* -l service -x -a 'aks eks gke kind oke any'/);
  if (hasShell('zsh')) {
    const r = spawnSync('zsh', ['-n', '-c', zsh]);
    assert.equal(r.status, 0, r.stderr.toString());
  } else t.diagnostic('zsh not installed: syntax check skipped');
  if (hasShell('fish')) {
    const r = spawnSync('fish', ['-n', '-c', fish]);
    assert.equal(r.status, 0, r.stderr.toString());
  } else t.diagnostic('fish not installed: syntax check skipped');
  const bad = await runCli(['completion', 'pwsh']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are bash, zsh, fish/);
});

test('a reader that stops early (| head) ends the output quietly', (t) => {
  if (!hasShell('bash')) return t.skip('bash not installed');
  // A component whose values are ~1 MB, so the pipe fills and the reader leaves mid-write (EPIPE).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-epipe-'));
  mkdirSync(path.join(dir, 'overlays'));
  mkdirSync(path.join(dir, 'components', 'big'), { recursive: true });
  writeFileSync(path.join(dir, 'registry.yaml'), 'kind: ComponentRegistry\ncomponents:\n  - name: big\n');
  const lines = Array.from({ length: 20000 }, (_, i) => `key${i}: ${'x'.repeat(40)}`);
  writeFileSync(path.join(dir, 'components', 'big', 'values.yaml'), lines.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'overlays', 'big.yaml'),
    'kind: RecipeMetadata\nmetadata: {name: big}\nspec:\n  criteria: {service: oke}\n  componentRefs:\n    - name: big\n      valuesFile: components/big/values.yaml\n',
  );
  const r = spawnSync('bash', [
    '-c',
    `set -o pipefail; "${process.execPath}" "${cliPath}" query --service oke --data "${dir}" --selector components.big.values | head -c 10 >/dev/null`,
  ]);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.doesNotMatch(r.stderr.toString(), /EPIPE|Error|command failed/);
});

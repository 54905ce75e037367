// One flag rule for every command (issue 11 §1): a single-value flag given twice is exit 2, whatever
// the command, alias or value type; repeatable flags accumulate; booleans may repeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

const twice: [string, string[], string][] = [
  ['recipe --data', ['recipe', '--service', 'eks', '--data', 'a', '--data', 'b'], 'data'],
  ['recipe --kubeconfig / -k', ['recipe', '--service', 'eks', '--kubeconfig', 'a', '-k', 'b'], 'kubeconfig'],
  ['recipe --nodes (integer)', ['recipe', '--service', 'eks', '--nodes', '1', '--nodes', '2'], 'nodes'],
  ['query --data', ['query', '--selector', '.', '--data', 'a', '--data', 'b'], 'data'],
  ['bundle --concurrency', ['bundle', '-r', 'x', '--concurrency', '1', '--concurrency', '2'], 'concurrency'],
  ['bundle --nodes', ['bundle', '-r', 'x', '--nodes', '1', '--nodes', '2'], 'nodes'],
  ['bundle --data', ['bundle', '-r', 'x', '--data', 'a', '--data', 'b'], 'data'],
  ['validate --kubeconfig', ['validate', '-r', 'x', '-s', 'y', '-k', 'a', '-k', 'b'], 'kubeconfig'],
  [
    'snapshot --max-nodes-per-entry',
    ['snapshot', '--max-nodes-per-entry', '1', '--max-nodes-per-entry', '2'],
    'max-nodes-per-entry',
  ],
];

for (const [name, argv, flag] of twice) {
  test(`${name} twice: exit 2 before any work`, async () => {
    const r = await runCli(argv);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`flag --${flag} can only be specified once`));
  });
}

test('repeatable flags accumulate and split on commas the same way in bundle and the agent', async () => {
  const r = await runCli([
    'snapshot',
    '--print-manifests',
    '--node-selector',
    'a=b,c = d',
    '--node-selector',
    'e=f',
    '--toleration',
    ':NoSchedule',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n {6}nodeSelector:\n {8}a: b\n {8}c: d\n {8}e: f\n/);
  assert.match(r.stdout, /\n {6}tolerations:\n {8}- operator: Exists\n {10}effect: NoSchedule\n/);
});

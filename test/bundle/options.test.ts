import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { coerceValue, parseDeployer, parseScheduling, parseSet } from '../../src/bundle/options.js';
import {
  parseNodeSelectors as parseSelectors,
  parseTaint,
  parseTolerations,
} from '../../src/k8s/scheduling.js';

const parseWorkloadGate = (text: string | undefined) => parseTaint(text, '--workload-gate');

function invalidWith(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AicrError, `expected AicrError, got ${String(err)}`);
    assert.equal(exitCodeFor(err), 2);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

describe('--set parsing', () => {
  it('splits at the first ":" and the first "="', () => {
    const e = parseSet('gpuoperator:image.tag=v25.3.0=beta');
    assert.equal(e.key, 'gpuoperator');
    assert.equal(e.path, 'image.tag');
    assert.equal(e.value, 'v25.3.0=beta');
    assert.equal(parseSet('x:a.b=hello world').value, 'hello world');
    assert.equal(parseSet('x:url=http://a:b/c').value, 'http://a:b/c');
  });

  it('rejects malformed entries with the allowed syntax in the message', () => {
    invalidWith(() => parseSet('gpuoperator.driver.version=1'), 'missing ":"', 'component:dotted.path=value');
    invalidWith(() => parseSet('gpuoperator:driver.version'), 'missing "="', 'component:dotted.path=value');
    invalidWith(() => parseSet('gpuoperator:=1'), 'path and value cannot be empty');
    invalidWith(() => parseSet('gpuoperator:a='), 'path and value cannot be empty');
    invalidWith(() => parseSet(':a=1'), 'component is empty');
    invalidWith(() => parseSet('x:a..b=1'), 'empty segment');
  });

  it('coerces values like upstream: booleans, int64, floats, else strings', () => {
    const cases: [string, unknown][] = [
      ['true', true],
      ['false', false],
      ['True', 'True'],
      ['yes', 'yes'],
      ['42', 42],
      ['-7', -7],
      ['+5', 5],
      ['007', 7],
      ['1.5', 1.5],
      ['1e3', 1000],
      ['1.0', 1],
      ['570.86.16', '570.86.16'],
      ['v1', 'v1'],
      ['banana', 'banana'],
      ['9223372036854775807', 9223372036854775807n],
    ];
    for (const [raw, want] of cases) assert.deepEqual(coerceValue(raw), want, raw);
    assert.equal(coerceValue('inf'), Infinity);
    assert.equal(coerceValue('-Inf'), -Infinity);
    assert.ok(Number.isNaN(coerceValue('NaN')));
    // Beyond int64 it stays exact (the reference rounds it to the float 1e+20).
    assert.equal(coerceValue('99999999999999999999'), 99999999999999999999n);
    // A float keeps its text when a double cannot hold it; one that it holds is a number.
    assert.equal(coerceValue('0.10000000000000000001'), '0.10000000000000000001');
    assert.equal(coerceValue('1e400'), '1e400');
    assert.equal(coerceValue('0.1'), 0.1);
    assert.equal(coerceValue('1.10'), 1.1);
    assert.equal(coerceValue('-2.50e-3'), -0.0025);
  });
});

describe('scheduling flags', () => {
  it('parses selectors; a later key wins', () => {
    assert.deepEqual(parseSelectors(['a=1', 'b=', 'a=2', 'c=x=y'], '--f'), { a: '2', b: '', c: 'x=y' });
    assert.equal(parseSelectors([], '--f'), undefined);
    invalidWith(
      () => parseSelectors(['nodeGroup'], '--system-node-selector'),
      '--system-node-selector',
      'key=value',
    );
    invalidWith(() => parseSelectors(['=x'], '--system-node-selector'), 'key is empty');
  });

  it('parses tolerations: Equal with a value, Exists without', () => {
    assert.deepEqual(
      parseTolerations(['nvidia.com/gpu=present:NoSchedule', 'dedicated:NoExecute', ':NoSchedule'], '--t'),
      [
        { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
        { operator: 'Exists', effect: 'NoSchedule' },
      ],
    );
    assert.deepEqual(parseTolerations(['k=:PreferNoSchedule'], '--t'), [
      { key: 'k', operator: 'Exists', effect: 'PreferNoSchedule' },
    ]);
  });

  it('rejects bad tolerations with the allowed syntax', () => {
    const flag = '--accelerated-node-toleration';
    invalidWith(() => parseTolerations(['key=value'], flag), flag, 'key=value:Effect');
    invalidWith(() => parseTolerations(['a:b:NoSchedule'], flag), 'key=value:Effect');
    invalidWith(() => parseTolerations(['k=v:noschedule'], flag), 'NoSchedule, PreferNoSchedule, NoExecute');
    invalidWith(() => parseTolerations(['=v:NoSchedule'], flag), 'without a key');
  });

  it('renders the workload gate taint as a string', () => {
    assert.equal(parseWorkloadGate('gate=true:NoSchedule'), 'gate=true:NoSchedule');
    assert.equal(parseWorkloadGate('gate:NoExecute'), 'gate:NoExecute');
    assert.equal(parseWorkloadGate(undefined), undefined);
    invalidWith(() => parseWorkloadGate(':NoSchedule'), '--workload-gate', 'key is empty');
    invalidWith(() => parseWorkloadGate('gate=true'), '--workload-gate', 'key=value:Effect');
  });

  it('splits on commas and trims around "=" like the snapshot agent (one parser)', () => {
    assert.deepEqual(parseSelectors(['a=b,c=d'], '--system-node-selector'), { a: 'b', c: 'd' });
    assert.deepEqual(parseSelectors([' a = b '], '--system-node-selector'), { a: 'b' });
    assert.deepEqual(parseTolerations(['a=b:NoSchedule,c:NoExecute'], '--t'), [
      { key: 'a', operator: 'Equal', value: 'b', effect: 'NoSchedule' },
      { key: 'c', operator: 'Exists', effect: 'NoExecute' },
    ]);
  });

  it('combines the flags; --nodes 0 means unset', () => {
    const s = parseScheduling({
      systemNodeSelector: ['nodeGroup=system'],
      acceleratedNodeToleration: ['g:NoSchedule'],
      nodes: 0,
    });
    assert.deepEqual(s.systemNodeSelector, { nodeGroup: 'system' });
    assert.equal(s.systemTolerations, undefined);
    assert.equal(s.nodes, undefined);
    assert.equal(parseScheduling({ nodes: 8 }).nodes, 8);
    invalidWith(() => parseScheduling({ nodes: -1 }), '--nodes', '>= 0');
  });
});

describe('--deployer', () => {
  it('is trimmed and case-insensitive; empty means helm', () => {
    for (const v of ['helm', 'HELM', 'Helm', '  helm  ', '', undefined])
      assert.equal(parseDeployer(v), 'helm');
    for (const v of ['argocd', 'ARGOCD', 'ArgoCD']) assert.equal(parseDeployer(v), 'argocd');
  });
  it('lists the deployers when unknown', () => {
    invalidWith(() => parseDeployer('flux'), 'flux', 'argocd, helm');
  });
});

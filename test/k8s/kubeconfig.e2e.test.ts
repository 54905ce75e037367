// Kubeconfig loading through the built CLI (issue 9 §7, issue 17 §2): KUBECONFIG naming a missing file
// or a directory never falls back to ~/.kube/config (exit 2); FIFOs in kubeconfig paths cannot hold aicr.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { b64, k8sServer, KEY, kubeconfigFixture } from './kubeconfig-fixture.js';

const fx = kubeconfigFixture('aicr-kubeconfig-');
const { t } = fx;
const kubeconfig = fx.kubeconfig.bind(fx);
const env = fx.env.bind(fx);

describe('KUBECONFIG and --kubeconfig never fall back (built CLI)', () => {
  it('KUBECONFIG naming a missing file, a directory, or a list with one missing entry: exit 2 naming it', async () => {
    // A valid ~/.kube/config that must NOT be used.
    const home = path.join(t.dir, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    writeFileSync(path.join(home, '.kube', 'config'), readFileSync(kubeconfig({ token: 'aicr-test-token' })));
    const good = kubeconfig({ token: 'aicr-test-token' });
    const missing = path.join(t.dir, 'missing.yaml');
    const dir = path.join(t.dir, 'a-dir');
    mkdirSync(dir, { recursive: true });
    const before = fx.server.requests.length;
    for (const [value, bad, why] of [
      [missing, missing, 'does not exist'],
      [dir, dir, 'is a directory'],
      [`${missing}:${good}`, missing, 'does not exist'],
    ] as const) {
      for (const args of [
        ['snapshot', '--filter', 'k8s'],
        ['recipe', '-s', 'cm://default/snap'],
        ['snapshot', '--filter', 'os', '-o', 'cm://default/snap'],
      ]) {
        const r = await runCli(args, { env: env({ KUBECONFIG: value }) });
        assert.equal(r.code, 2, `${args.join(' ')} with KUBECONFIG=${value}: ${r.stderr}`);
        assert.match(
          r.stderr,
          new RegExp(`KUBECONFIG entry ${bad} ${why}; aicr does not fall back to ~/.kube/config`),
        );
        assert.equal(r.stdout, '');
      }
    }
    assert.equal(fx.server.requests.length, before, 'the cluster of ~/.kube/config was never contacted');
    // …while an unset KUBECONFIG does use ~/.kube/config
    const ok = await runCli(['snapshot', '--filter', 'k8s'], { env: env() });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(k8sServer(ok.stdout).version, 'v1.33.5');
  });

  it('an explicit --kubeconfig that is missing or a directory is exit 2 in every command', async () => {
    const missing = path.join(t.dir, 'nope.yaml');
    for (const args of [
      ['snapshot', '--kubeconfig', missing],
      ['recipe', '-s', 'cm://default/snap', '--kubeconfig', missing],
      ['validate', '-r', 'cm://default/r', '-s', 'cm://default/s', '--kubeconfig', t.dir],
    ]) {
      const r = await runCli(args, { env: env() });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--kubeconfig .*(does not exist|is a directory); a kubeconfig file is required/);
    }
  });
});

describe('FIFOs in kubeconfig paths cannot hold aicr (built CLI)', () => {
  it('a FIFO as --kubeconfig, as a KUBECONFIG entry, as token-file or as client-certificate: exit 2 at once', async () => {
    const fifo = path.join(t.dir, 'kc.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const withTokenFile = kubeconfig({ 'token-file': fifo });
    const withCertFile = kubeconfig({ 'client-certificate': fifo, 'client-key-data': b64(KEY) });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['snapshot', '--filter', 'k8s', '--kubeconfig', fifo],
        {},
        /--kubeconfig .*kc\.fifo is not a regular file/,
      ],
      [
        ['recipe', '-s', 'cm://default/snap'],
        { KUBECONFIG: fifo },
        /KUBECONFIG entry .*kc\.fifo is not a regular file/,
      ],
      [
        ['snapshot', '--filter', 'k8s', '--kubeconfig', withTokenFile],
        {},
        /users\[name="u"\]\.user\.token-file: .*kc\.fifo is not a regular file/,
      ],
      [
        ['recipe', '-s', 'cm://default/snap', '--kubeconfig', withCertFile],
        {},
        /users\[name="u"\]\.user\.client-certificate \(.*kc\.fifo\): .*kc\.fifo is not a regular file/,
      ],
    ];
    for (const [args, extra, msg] of cases) {
      const started = Date.now();
      const r = await runCli(args, { env: env(extra), timeoutMs: 15_000 });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(Date.now() - started < 10_000);
    }
  });
});

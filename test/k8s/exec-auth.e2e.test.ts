// Kubeconfig exec credential plugins through the built CLI (issue 17 §2): aicr runs them itself (the
// ExecCredential protocol, cached until expiry), in a process group killed on --timeout, on the request
// time limit and on SIGINT — a fake plugin on PATH that hangs and forks a descendant.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';
import { fakeExecutable } from '../collector/helpers.js';
import { assertGone, b64, FAKE_CA_CERT, k8sServer, kubeconfigFixture } from './kubeconfig-fixture.js';

const fx = kubeconfigFixture('aicr-exec-auth-');
const { t } = fx;
const kubeconfig = fx.kubeconfig.bind(fx);
const env = fx.env.bind(fx);

describe('exec credential plugins are run by aicr, bounded (built CLI)', () => {
  const bin = path.join(t.dir, 'plugins');
  const log = path.join(t.dir, 'plugin.log');
  const pids = path.join(t.dir, 'plugin.pids');
  const execUser = (command: string, extra: Record<string, unknown> = {}) => ({
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command,
      args: ['get-token', '--cluster', 'c'],
      env: [{ name: 'PLUGIN_MODE', value: 'ok' }],
      interactiveMode: 'Never',
      provideClusterInfo: true,
      ...extra,
    },
  });

  before(() => {
    fakeExecutable(
      bin,
      'good-plugin',
      `echo "run $* mode=$PLUGIN_MODE info=$KUBERNETES_EXEC_INFO" >> '${log}'
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"aicr-test-token"}}'`,
    );
    fakeExecutable(
      bin,
      'hanging-plugin',
      `echo $$ >> '${pids}'; sleep 1000 & echo $! >> '${pids}'; sleep 1000`,
    );
    fakeExecutable(bin, 'failing-plugin', `echo 'error: login required; run "cloud login"' >&2; exit 1`);
    fakeExecutable(bin, 'wrong-plugin', `echo '{"kind":"ExecCredential","apiVersion":"v9","status":{}}'`);
  });

  const pluginEnv = () => env({ PATH: `${bin}:/usr/bin:/bin` });

  it('speaks the ExecCredential protocol: args, env, KUBERNETES_EXEC_INFO; the token is used and cached', async () => {
    const kc = kubeconfig(execUser('good-plugin'));
    const r = await runCli(['snapshot', '--filter', 'k8s,topology', '--kubeconfig', kc], {
      env: pluginEnv(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(k8sServer(r.stdout).version, 'v1.33.5', 'the plugin token authenticated');
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(runs.length, 1, 'one run for all requests (no expiry: cached for the command)');
    assert.match(runs[0]!, /^run get-token --cluster c mode=ok info=/);
    const info = JSON.parse(runs[0]!.slice(runs[0]!.indexOf('info=') + 5)) as Record<string, unknown>;
    assert.deepEqual(info, {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: { server: fx.server.url, 'certificate-authority-data': b64(FAKE_CA_CERT) },
      },
    });
  });

  it('a credential is cached until status.expirationTimestamp, then the plugin runs again', async () => {
    for (const [name, expiry, many] of [
      ['expired-plugin', '2000-01-01T00:00:00Z', true],
      ['later-plugin', '2099-01-01T00:00:00Z', false],
    ] as const) {
      const count = path.join(t.dir, `${name}.count`);
      fakeExecutable(
        bin,
        name,
        `echo run >> '${count}'
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"aicr-test-token","expirationTimestamp":"${expiry}"}}'`,
      );
      const kc = kubeconfig(execUser(name, { apiVersion: 'client.authentication.k8s.io/v1beta1' }));
      const r = await runCli(['snapshot', '--filter', 'k8s,topology', '--kubeconfig', kc], {
        env: pluginEnv(),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(k8sServer(r.stdout).version, 'v1.33.5');
      const runs = readFileSync(count, 'utf8').trim().split('\n').length;
      if (many) assert.ok(runs > 1, `an expired credential is not reused (${runs} runs)`);
      else assert.equal(runs, 1, 'a valid credential is reused');
    }
  });

  it('a hanging plugin with a descendant: snapshot --timeout kills its group; aicr exits in time', async () => {
    writeFileSync(pids, '');
    const kc = kubeconfig(execUser('hanging-plugin'));
    const started = Date.now();
    const r = await runCli(['snapshot', '--filter', 'k8s', '--kubeconfig', kc, '--timeout', '2s'], {
      env: pluginEnv(),
    });
    const ms = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ms < 8000, `exited after ${ms} ms`);
    assert.match(r.stderr, /credential plugin "hanging-plugin".*was stopped: --timeout of 2s reached/);
    await assertGone(pids);
  });

  it('a hanging plugin in a cm:// read: killed at AICR_K8S_REQUEST_TIMEOUT, exit 5', async () => {
    writeFileSync(pids, '');
    const kc = kubeconfig(execUser('hanging-plugin'));
    const started = Date.now();
    const r = await runCli(['recipe', '-s', 'cm://default/snap', '--kubeconfig', kc], {
      env: { ...pluginEnv(), AICR_K8S_REQUEST_TIMEOUT: '1500ms' },
    });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(Date.now() - started < 8000);
    assert.match(r.stderr, /credential plugin "hanging-plugin".* did not finish within 1.5s/);
    await assertGone(pids);
  });

  it('SIGINT while a plugin hangs: its group is killed and aicr exits 130', async () => {
    writeFileSync(pids, '');
    const kc = kubeconfig(execUser('hanging-plugin'));
    const child = spawn(
      process.execPath,
      [cliPath, 'recipe', '-s', 'cm://default/snap', '--kubeconfig', kc],
      {
        env: pluginEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout.resume();
    const until = Date.now() + 15_000;
    while (readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).length < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT: stopped 1 child process group/);
    await assertGone(pids);
  });

  it('a failing plugin is exit 4 with its first stderr line; bad output and a missing plugin are named', async () => {
    const fail = await runCli(
      ['recipe', '-s', 'cm://default/snap', '--kubeconfig', kubeconfig(execUser('failing-plugin'))],
      {
        env: pluginEnv(),
      },
    );
    assert.equal(fail.code, 4, fail.stderr);
    assert.match(
      fail.stderr,
      /credential plugin "failing-plugin".* failed \(exit status 1\): error: login required/,
    );
    const wrong = await runCli(
      ['recipe', '-s', 'cm://default/snap', '--kubeconfig', kubeconfig(execUser('wrong-plugin'))],
      {
        env: pluginEnv(),
      },
    );
    assert.equal(wrong.code, 4, wrong.stderr);
    assert.match(
      wrong.stderr,
      /printed no usable credential: apiVersion is "v9", but client.authentication.k8s.io\/v1 was requested/,
    );
    const missing = await runCli(
      [
        'recipe',
        '-s',
        'cm://default/snap',
        '--kubeconfig',
        kubeconfig(execUser('no-such-plugin', { installHint: 'install it' })),
      ],
      { env: pluginEnv() },
    );
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /credential plugin "no-such-plugin".*executable not found; install it/);
  });
});

// Kubeconfig loading through the built CLI (issue 9 §7, issue 17 §2 and §4):
//  - KUBECONFIG naming a missing file or a directory never falls back to ~/.kube/config (exit 2);
//  - a malformed client certificate, key or CA is a bad kubeconfig (exit 2 naming file and field),
//    and no bytes of it are printed;
//  - exec credential plugins are run by aicr: the ExecCredential protocol, and a plugin that hangs and
//    forks a descendant is killed, group and all, on --timeout, on the request time limit and on SIGINT.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';
import { fakeExecutable, tempDir } from '../collector/helpers.js';
import { FAKE_CA_CERT, FakeKubeApiServer } from './fake-api-server.js';

const TLS_DIR = fileURLToPath(new URL('./tls/', import.meta.url));
const CERT = readFileSync(path.join(TLS_DIR, 'server.crt'), 'utf8');
const KEY = readFileSync(path.join(TLS_DIR, 'server.key'), 'utf8');
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

const t = tempDir('aicr-kubeconfig-');
let server: FakeKubeApiServer;
let n = 0;

before(async () => {
  server = await FakeKubeApiServer.start();
});
after(async () => {
  await server.close();
  t.cleanup();
});

/** A kubeconfig for the fake server with the given user and cluster fields. */
function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const file = path.join(t.dir, `kc-${++n}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server: server.url, 'certificate-authority-data': b64(FAKE_CA_CERT), ...cluster },
        },
      ],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return file;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  const home = path.join(t.dir, 'home');
  return { HOME: home, PATH: '/usr/bin:/bin', NODE_NAME: 'n1', ...extra };
}

function k8sServer(stdout: string): Record<string, unknown> {
  const doc = parseYaml(stdout) as {
    measurements: { type: string; subtypes?: { subtype: string; data: Record<string, unknown> }[] }[];
  };
  return (
    doc.measurements.find((m) => m.type === 'K8s')?.subtypes?.find((s) => s.subtype === 'server')?.data ?? {}
  );
}

/** Only printable ASCII (and newlines) on stderr: no bytes of a bad certificate reach the terminal. */
function assertPrintable(text: string): void {
  assert.doesNotMatch(text, /[^\x20-\x7e\n]/, 'stderr holds only printable text');
}

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
    const before = server.requests.length;
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
    assert.equal(server.requests.length, before, 'the cluster of ~/.kube/config was never contacted');
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

describe('malformed TLS material in a kubeconfig is a bad kubeconfig (built CLI)', () => {
  const garbage = Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0xff, 0x9b, 0x0d, 0x41]);
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    [
      'binary client-certificate-data',
      { 'client-certificate-data': b64(garbage), 'client-key-data': b64(KEY) },
      {},
      /users\[name="u"\]\.user\.client-certificate-data is not a PEM certificate/,
    ],
    [
      'client-certificate-data that is not base64',
      { 'client-certificate-data': '%%%not base64%%%', 'client-key-data': b64(KEY) },
      {},
      /users\[name="u"\]\.user\.client-certificate-data is not valid base64/,
    ],
    [
      'a PEM block with a broken body',
      {
        'client-certificate-data': b64(CERT.replace(/\n[A-Za-z0-9+/]{20}/, '\n' + 'A'.repeat(20))),
        'client-key-data': b64(KEY),
      },
      {},
      /client-certificate-data holds a malformed certificate/,
    ],
    [
      'binary client-key-data',
      { 'client-certificate-data': b64(CERT), 'client-key-data': b64(garbage) },
      {},
      /users\[name="u"\]\.user\.client-key-data is not a PEM private key/,
    ],
    [
      'a key that does not belong to the certificate',
      { 'client-certificate-data': b64(CERT), 'client-key-data': b64(otherKey) },
      {},
      /the client certificate and the client key do not belong together/,
    ],
    [
      'a client-certificate file that is binary',
      { 'client-certificate': 'binary.crt', 'client-key-data': b64(KEY) },
      {},
      /users\[name="u"\]\.user\.client-certificate \(.*binary\.crt\) is not a PEM certificate/,
    ],
    [
      'a client-key file that does not exist',
      { 'client-certificate-data': b64(CERT), 'client-key': 'missing.key' },
      {},
      /users\[name="u"\]\.user\.client-key \(.*missing\.key\): .*missing\.key does not exist/,
    ],
    [
      'a binary certificate-authority-data',
      { token: 'aicr-test-token' },
      { 'certificate-authority-data': b64(garbage) },
      /clusters\[name="c"\]\.cluster\.certificate-authority-data is not a PEM certificate/,
    ],
  ];

  before(() => writeFileSync(path.join(t.dir, 'binary.crt'), garbage));

  for (const [name, user, cluster, msg] of cases) {
    it(`${name}: exit 2 naming the file and the field, for snapshot and for cm://`, async () => {
      const kc = kubeconfig(user, cluster);
      for (const args of [
        ['snapshot', '--filter', 'k8s', '--kubeconfig', kc],
        ['recipe', '-s', 'cm://default/snap', '--kubeconfig', kc],
      ]) {
        const r = await runCli(args, { env: env() });
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`kubeconfig ${kc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
        assert.match(r.stderr, msg);
        assert.doesNotMatch(r.stderr, /cannot reach|UNAVAILABLE/);
        assertPrintable(r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      }
    });
  }

  it('a kubeconfig that is not YAML, or binary: exit 2, one printable line with the position, no code frame', async () => {
    const files = [
      ['bad-indent.yaml', 'apiVersion: v1\nclusters:\n  - name: a\n   bad: \u001b[31mX\u0007\n'],
      [
        'binary.yaml',
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x3a, 0x3a]),
      ],
      [
        'dup.yaml',
        'clusters: [{name: "a\u001b[2J", cluster: {server: "https://x"}}, {name: "a\u001b[2J", cluster: {server: "https://y"}}]\n',
      ],
    ] as const;
    for (const [name, content] of files) {
      const kc = path.join(t.dir, name);
      writeFileSync(kc, content);
      for (const args of [
        ['snapshot', '--filter', 'k8s', '--kubeconfig', kc],
        ['recipe', '-s', 'cm://default/snap', '--kubeconfig', kc],
      ]) {
        const r = await runCli(args, { env: env() });
        assert.equal(r.code, 2, `${name}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`kubeconfig .*${name.replace('.', '\\.')}`));
        assertPrintable(r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      }
    }
  });

  it('a valid client certificate and key given as files still work (read once, as data)', async () => {
    writeFileSync(path.join(t.dir, 'client.crt'), CERT);
    writeFileSync(path.join(t.dir, 'client.key'), KEY);
    const kc = kubeconfig({
      token: 'aicr-test-token',
      'client-certificate': 'client.crt',
      'client-key': 'client.key',
    });
    const r = await runCli(['snapshot', '--filter', 'k8s', '--kubeconfig', kc], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(k8sServer(r.stdout).version, 'v1.33.5');
  });
});

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
        cluster: { server: server.url, 'certificate-authority-data': b64(FAKE_CA_CERT) },
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
    assert.ok(ms < 5000, `exited after ${ms} ms`);
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
    assert.ok(Date.now() - started < 5000);
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

async function assertGone(pidFile: string): Promise<void> {
  assert.ok(existsSync(pidFile));
  const list = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  assert.ok(list.length >= 2, 'the plugin recorded itself and its descendant');
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = Date.now() + 2000;
  while (list.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const left = list.filter(alive);
  for (const p of left) process.kill(p, 'SIGKILL');
  assert.deepEqual(left, [], 'no plugin process is left running');
}

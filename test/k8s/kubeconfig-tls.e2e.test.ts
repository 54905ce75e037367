// Issue 17 §4 through the built CLI: a malformed client certificate, key or CA (or a kubeconfig that is
// not YAML) is a bad kubeconfig — exit 2, one printable line naming the file and the field.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { assertPrintable, b64, CERT, k8sServer, KEY, kubeconfigFixture } from './kubeconfig-fixture.js';

const fx = kubeconfigFixture('aicr-kubeconfig-tls-');
const { t } = fx;
const kubeconfig = fx.kubeconfig.bind(fx);
const env = fx.env.bind(fx);

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

  // Every case through a cm:// read; every other case through `snapshot` too (both load the kubeconfig
  // the same way; fewer runs keep this file fast on a loaded machine).
  for (const [i, [name, user, cluster, msg]] of cases.entries()) {
    it(`${name}: exit 2 naming the file and the field${i % 2 === 0 ? ', for snapshot and for cm://' : ''}`, async () => {
      const kc = kubeconfig(user, cluster);
      const commands = [['recipe', '-s', 'cm://default/snap', '--kubeconfig', kc]];
      if (i % 2 === 0) commands.push(['snapshot', '--filter', 'k8s', '--kubeconfig', kc]);
      const results = await Promise.all(commands.map((args) => runCli(args, { env: env() })));
      for (const [j, r] of results.entries()) {
        assert.equal(r.code, 2, `${commands[j]![0]}: ${r.stderr}`);
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
    const runs: [string, string[]][] = [];
    for (const [i, [name, content]] of files.entries()) {
      const kc = path.join(t.dir, name);
      writeFileSync(kc, content);
      runs.push([name, ['recipe', '-s', 'cm://default/snap', '--kubeconfig', kc]]);
      if (i === 0) runs.push([name, ['snapshot', '--filter', 'k8s', '--kubeconfig', kc]]);
    }
    const results = await Promise.all(runs.map(([, args]) => runCli(args, { env: env() })));
    for (const [i, r] of results.entries()) {
      const name = runs[i]![0];
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`kubeconfig .*${name.replace('.', '\\.')}`));
      assertPrintable(r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
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

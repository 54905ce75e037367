/**
 * Issue 9 §3 "Inputs are bounded": every source has a byte cap and going over it is exit 2 naming the
 * source and the limit — files (stat-based and counted), stdin and pipes, character devices, FIFOs,
 * process substitutions (/dev/fd/N), HTTP bodies and ConfigMaps. Through the built CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { RECIPE_UBUNTU_2404, SNAPSHOT_UBUNTU_2404 } from '../helpers/documents.js';
import { runCli } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';
import { FakeKubeApiServer } from '../k8s/fake-api-server.js';

const MiB = 1024 * 1024;
const SNAPSHOT = SNAPSHOT_UBUNTU_2404;
const RECIPE = RECIPE_UBUNTU_2404;
const FILE_LIMIT = /more than 67108864 bytes \(64 MiB\), the limit for files, devices and pipes/;

let dir: string;
let snap: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-limits-'));
  snap = path.join(dir, 'snapshot.yaml');
  writeFileSync(snap, SNAPSHOT);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a shell line with the built CLI as $AICR; with /usr/bin/time, also the peak RSS in KiB. */
function shell(line: string): { code: number | null; stderr: string; rssKiB?: number } {
  const hasTime = existsSync('/usr/bin/time');
  const r = spawnSync(
    'bash',
    ['-c', hasTime ? `/usr/bin/time -f 'RSS_KIB=%M' bash -c ${JSON.stringify(line)}` : line],
    { env: { ...process.env, AICR: `${process.execPath} ${cliPath}` }, encoding: 'utf8', timeout: 60_000 },
  );
  const m = /RSS_KIB=(\d+)/.exec(r.stderr);
  return {
    code: r.status,
    stderr: r.stderr.replace(/.*RSS_KIB=\d+\n?/, ''),
    rssKiB: m ? Number(m[1]) : undefined,
  };
}

describe('stdin and pipes', () => {
  it('an endless stdin (yes | aicr validate -r -) stops at 64 MiB with exit 2, memory bounded', () => {
    const r = shell(`yes 'x: 1' | $AICR validate -r - -s ${snap}`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /\[INVALID_REQUEST\] recipe from stdin is too large: more than 67108864 bytes \(64 MiB\), the limit for stdin/,
    );
    if (r.rssKiB !== undefined) {
      console.log(`# peak RSS reading an endless stdin: ${(r.rssKiB / 1024).toFixed(0)} MiB`);
      assert.ok(r.rssKiB < 512 * 1024, `peak RSS ${r.rssKiB} KiB`);
    }
  });

  it('a document under the limit on stdin is read', async () => {
    const r = await runCli(['validate', '-r', '-', '-s', snap], { input: RECIPE });
    assert.equal(r.code, 0, r.stderr);
  });

  it('a process substitution <(yes) is capped (it bypassed the stat-based cap)', () => {
    const r = shell(`$AICR validate -r <(yes 'x: 1') -s ${snap}`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /recipe "\/dev\/fd\/\d+" is too large: /);
    assert.match(r.stderr, FILE_LIMIT);
  });

  it('a small process substitution is read', () => {
    const rec = path.join(dir, 'small.yaml');
    writeFileSync(rec, RECIPE);
    const r = shell(`$AICR validate -r <(cat ${rec}) -s ${snap}`);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('devices, FIFOs and files', () => {
  it('a character device (/dev/zero) as the snapshot is capped with exit 2', async () => {
    const rec = path.join(dir, 'r.yaml');
    writeFileSync(rec, RECIPE);
    const r = await runCli(['validate', '-r', rec, '-s', '/dev/zero']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /snapshot "\/dev\/zero" is too large: /);
    assert.match(r.stderr, FILE_LIMIT);
  });

  it('a FIFO fed without end is capped with exit 2', async () => {
    const fifo = path.join(dir, 'in.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const writer = spawn('sh', ['-c', `yes 'x: 1' > ${fifo}`], { stdio: 'ignore' });
    try {
      const r = await runCli(['recipe', '--criteria', fifo]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /criteria ".*in\.fifo" is too large: /);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('a regular file over 64 MiB is refused from its size, naming the size and the limit', async () => {
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 64 * MiB + 1);
    const r = await runCli(['recipe', '--snapshot', big]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /snapshot ".*big\.yaml" is too large: 67108865 bytes, more than 67108864 bytes \(64 MiB\), the limit for files/,
    );
  });
});

describe('HTTP bodies and ConfigMaps', () => {
  it('an endless chunked HTTP body stops at 16 MiB with exit 2', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
      res.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runCli(['validate', '-r', `http://127.0.0.1:${port}/r.yaml`, '-s', snap]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /recipe at http:\/\/127\.0\.0\.1:\d+\/r\.yaml is too large: more than 16777216 bytes \(16 MiB\), the limit for HTTP\(S\) bodies/,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a ConfigMap document over 1 MiB is exit 2 naming the ConfigMap, key and limit', async () => {
    const server = await FakeKubeApiServer.start();
    try {
      const kc = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
      server.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'big', namespace: 'gpu' },
        data: { 'snapshot.yaml': SNAPSHOT + `# ${'x'.repeat(MiB + 10)}\n`, format: 'yaml' },
      });
      const r = await runCli(['recipe', '-s', 'cm://gpu/big', '--kubeconfig', kc], {
        env: { AICR_K8S_REQUEST_TIMEOUT: '10s' },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /snapshot in ConfigMap gpu\/big \(key snapshot\.yaml\) is too large: \d+ bytes, more than 1048576 bytes \(1 MiB\), the limit for ConfigMaps/,
      );
    } finally {
      await server.close();
    }
  });
});

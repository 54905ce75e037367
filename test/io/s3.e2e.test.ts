/**
 * s3:// inputs and outputs through the built CLI against a real S3-compatible server on 127.0.0.1
 * (gofakes3 wrapped by scripts/tools/s3server; moto, the example, needs PyPI, which the CI
 * machines cannot reach). The server checks no signatures, so refusals come from its -deny-access-key
 * and -deny-put options; its -log lines show the order of requests.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../helpers/cli.js';
import { findTool, toolSkipReason } from '../helpers/tools.js';

const skip = toolSkipReason('s3server');
if (skip) console.log(`# skipping s3:// tests: ${skip}`);

const SECRET = 'S3CR3T-never-printed';
// The SDK client of this test process (used to look at the server independently of aicr) warns about
// Node 20 on stderr; aicr itself silences the same warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface Server {
  url: string;
  proc: ChildProcess;
  lines: string[];
}

function startServer(args: string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(findTool('s3server')!, ['-addr', '127.0.0.1:0', '-log', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    let started = false;
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^listening on (http:\/\/\S+)$/.exec(line);
        if (m && !started) {
          started = true;
          resolve({ url: m[1]!, proc, lines });
        } else lines.push(line);
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (!started) reject(new Error(`s3server exited with ${code}`));
    });
  });
}

describe('s3:// through the built CLI against a real S3-compatible server', { skip }, () => {
  let server: Server;
  let failing: Server;
  let dir: string;
  let env: Record<string, string | undefined>;
  let sdk: S3Client;

  const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runCli(args, { env: { ...env, ...extra }, cwd: dir, timeoutMs: 120_000 });
  const getText = async (bucket: string, key: string) => {
    const res = await sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return res.Body!.transformToString();
  };
  const listKeys = async (bucket: string, prefix: string) => {
    const res = await sdk.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (res.Contents ?? []).map((o) => o.Key!).sort();
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-s3-'));
    server = await startServer(['-bucket', 'aicr,other', '-deny-access-key', 'DENIEDKEY']);
    failing = await startServer(['-bucket', 'aicr', '-deny-put', 'broken/gpu-operator/']);
    // A fake OS root: a small one for ordinary snapshots, and a big one (> 5 MiB of sysctl values).
    for (const [root, n, size] of [
      ['root', 3, 10],
      ['bigroot', 400, 4000],
    ] as const) {
      mkdirSync(path.join(dir, root, 'proc/sys/kernel'), { recursive: true });
      writeFileSync(path.join(dir, root, 'proc/cmdline'), 'BOOT_IMAGE=/vmlinuz quiet\n');
      for (let i = 0; i < n; i++) {
        writeFileSync(path.join(dir, root, `proc/sys/kernel/k${i}`), `v${i}-`.repeat(size) + '\n');
      }
    }
    env = {
      AWS_ENDPOINT_URL: server.url,
      AWS_ENDPOINT_URL_S3: undefined,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
      HOME: dir,
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      AICR_OS_ROOT: path.join(dir, 'root'),
    };
    sdk = new S3Client({
      endpoint: server.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: SECRET },
    });
  });

  after(() => {
    sdk?.destroy();
    server?.proc.kill();
    failing?.proc.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('snapshot, recipe and validate write s3:// objects and read them back', async () => {
    const s = await cli(['snapshot', '--filter', 'os', '-o', 's3://aicr/snapshots/node-1.yaml']);
    assert.equal(s.code, 0, s.stderr);
    const snapText = await getText('aicr', 'snapshots/node-1.yaml');
    assert.match(snapText, /^kind: Snapshot$/m);
    assert.match(snapText, /k0: v0-v0-/);

    const r = await cli([
      'recipe',
      '--snapshot',
      's3://aicr/snapshots/node-1.yaml',
      '-o',
      's3://aicr/recipe.yaml',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The same recipe as from a local copy of the snapshot.
    writeFileSync(path.join(dir, 'snap.yaml'), snapText);
    const local = await cli(['recipe', '--snapshot', 'snap.yaml']);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(await getText('aicr', 'recipe.yaml'), local.stdout);

    const v = await cli([
      'validate',
      '-r',
      's3://aicr/recipe.yaml',
      '-s',
      's3://aicr/snapshots/node-1.yaml',
      '-t',
      'json',
      '-o',
      's3://aicr/results/v.json',
      '--fail-on-error=false',
    ]);
    assert.equal(v.code, 0, v.stderr);
    const result = JSON.parse(await getText('aicr', 'results/v.json')) as { kind: string };
    assert.equal(result.kind, 'ValidationResult');
    for (const out of [s, r, v]) assert.doesNotMatch(out.stdout + out.stderr, new RegExp(SECRET));
  });

  it('a document over 5 MiB is a multipart upload, completed once and read back whole', async () => {
    const from = server.lines.length;
    const s = await cli(['snapshot', '--filter', 'os', '-t', 'json', '-o', 's3://aicr/big/snapshot.json'], {
      AICR_OS_ROOT: path.join(dir, 'bigroot'),
    });
    assert.equal(s.code, 0, s.stderr);
    const reqs = server.lines.slice(from).filter((l) => l.includes('/aicr/big/snapshot.json'));
    assert.ok(
      reqs.some((l) => /^POST \S+\?uploads\S* 200$/.test(l)),
      reqs.join('\n'),
    );
    assert.ok(reqs.filter((l) => /^PUT \S+partNumber=\d+/.test(l)).length >= 2, reqs.join('\n'));
    assert.ok(
      reqs.some((l) => /^POST \S+\?uploadId=\S+ 200$/.test(l)),
      reqs.join('\n'),
    );
    assert.ok(!reqs.some((l) => /^PUT \S+\?x-id=PutObject/.test(l)), 'no single PutObject');
    const text = await getText('aicr', 'big/snapshot.json');
    assert.ok(text.length > 5 * 1024 * 1024, `${text.length} bytes`);
    assert.equal(JSON.parse(text).kind, 'Snapshot');
    const back = await cli(['query', '--snapshot', 's3://aicr/big/snapshot.json', '--selector', 'criteria']);
    assert.equal(back.code, 0, back.stderr);
  });

  it('bundle -o s3://bucket/prefix/ uploads every file with checksums.txt last', async () => {
    const recipe = await cli([
      'recipe',
      '--service',
      'eks',
      '--accelerator',
      'h100',
      '--intent',
      'training',
      '-o',
      'r.yaml',
    ]);
    assert.equal(recipe.code, 0, recipe.stderr);
    const local = await cli(['bundle', '-r', 'r.yaml', '-o', 'local-bundle']);
    assert.equal(local.code, 0, local.stderr);
    const from = server.lines.length;
    const b = await cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/bundles/h100/']);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /Output directory: s3:\/\/aicr\/bundles\/h100\//);
    assert.match(b.stdout, /aws s3 cp --recursive s3:\/\/aicr\/bundles\/h100\/ \.\/h100/);
    const sums = readFileSync(path.join(dir, 'local-bundle/checksums.txt'), 'utf8');
    const listed = sums
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[1]!);
    const keys = await listKeys('aicr', 'bundles/h100/');
    assert.deepEqual(keys, [...listed, 'checksums.txt'].map((p) => `bundles/h100/${p}`).sort());
    for (const p of [...listed, 'checksums.txt']) {
      assert.equal(
        await getText('aicr', `bundles/h100/${p}`),
        readFileSync(path.join(dir, 'local-bundle', p), 'utf8'),
        p,
      );
    }
    const puts = server.lines
      .slice(from)
      .filter((l) => l.startsWith('PUT /aicr/bundles/h100/'))
      .map((l) => l.split(' ')[1]!.split('?')[0]);
    assert.equal(puts.length, listed.length + 1);
    assert.equal(puts[puts.length - 1], '/aicr/bundles/h100/checksums.txt');

    // A second upload to the same prefix replaces it: objects the new bundle lacks are removed.
    await sdk.send(
      new PutObjectCommand({ Bucket: 'aicr', Key: 'bundles/h100/stale/old.yaml', Body: 'x: 1\n' }),
    );
    const again = await cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/bundles/h100']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await listKeys('aicr', 'bundles/h100/'), keys);

    // A prefix with other objects is not an aicr bundle: refused before anything is written.
    const foreign = await cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/snapshots/']);
    assert.equal(foreign.code, 2, foreign.stderr);
    assert.match(foreign.stderr, /s3:\/\/aicr\/snapshots\/ holds 1 objects that are not an aicr bundle/);
    assert.deepEqual(await listKeys('aicr', 'snapshots/'), ['snapshots/node-1.yaml']);
  });

  it('a bundle upload that fails midway removes what it wrote and never writes checksums.txt', async () => {
    writeFileSync(
      path.join(dir, 'r2.yaml'),
      (await cli(['recipe', '--service', 'eks', '--accelerator', 'h100', '--intent', 'training'])).stdout,
    );
    const from = failing.lines.length;
    const b = await cli(['bundle', '-r', 'r2.yaml', '-o', 's3://aicr/broken/'], {
      AWS_ENDPOINT_URL: failing.url,
    });
    assert.equal(b.code, 4, b.stderr);
    assert.match(b.stderr, /access denied writing bundle to s3:\/\/aicr\/broken\/gpu-operator\//);
    assert.match(b.stderr, /removed the \d+ objects it had written/);
    const reqs = failing.lines.slice(from);
    assert.ok(
      reqs.some((l) => /^PUT \/aicr\/broken\/\S+ 200$/.test(l)),
      'some files were uploaded first',
    );
    assert.ok(
      !reqs.some((l) => l.startsWith('PUT /aicr/broken/checksums.txt')),
      'checksums.txt never written',
    );
    const left = new S3Client({
      endpoint: failing.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: SECRET },
    });
    try {
      const res = await left.send(new ListObjectsV2Command({ Bucket: 'aicr', Prefix: 'broken/' }));
      assert.deepEqual(res.Contents ?? [], []);
    } finally {
      left.destroy();
    }
  });

  it('errors: missing key or bucket 3, denied or no credentials 4, unreachable 6, each naming the URL', async () => {
    const closed = 'http://127.0.0.1:1';
    const cases: [string[], Record<string, string | undefined>, number, RegExp][] = [
      [['recipe', '--snapshot', 's3://aicr/nope.yaml'], {}, 3, /s3:\/\/aicr\/nope\.yaml: no such object/],
      [
        ['recipe', '--snapshot', 's3://nobucket/s.yaml'],
        {},
        3,
        /s3:\/\/nobucket\/s\.yaml: the bucket does not exist/,
      ],
      [
        ['snapshot', '--filter', 'os', '-o', 's3://nobucket/s.yaml'],
        {},
        3,
        /cannot write snapshot to s3:\/\/nobucket\/s\.yaml: the bucket does not exist/,
      ],
      [
        ['recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml'],
        { AWS_ACCESS_KEY_ID: 'DENIEDKEY' },
        4,
        /access denied reading snapshot from s3:\/\/aicr\/snapshots\/node-1\.yaml \(AccessDenied\)/,
      ],
      [
        ['recipe', '--service', 'eks', '-o', 's3://aicr/denied.yaml'],
        { AWS_ACCESS_KEY_ID: 'DENIEDKEY' },
        4,
        /access denied writing recipe to s3:\/\/aicr\/denied\.yaml/,
      ],
      [
        ['recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml'],
        { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
        4,
        /no AWS credentials found for reading snapshot from s3:\/\/aicr\/snapshots\/node-1\.yaml/,
      ],
      [
        ['recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml'],
        { AWS_ENDPOINT_URL: closed },
        6,
        /cannot reach the S3 endpoint reading snapshot from s3:\/\/aicr\/snapshots\/node-1\.yaml: ECONNREFUSED/,
      ],
      // The flag wins over the environment.
      [
        ['--s3-endpoint', closed, 'recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml'],
        {},
        6,
        /ECONNREFUSED/,
      ],
      [
        ['recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml', '--s3-endpoint', server.url],
        { AWS_ENDPOINT_URL: closed },
        0,
        /recipe generation completed/,
      ],
      // Malformed locations and endpoints are bad input.
      [
        ['recipe', '--snapshot', 's3://a/x.yaml'],
        {},
        2,
        /invalid S3 location for snapshot "s3:\/\/a\/x\.yaml": bucket "a"/,
      ],
      [['snapshot', '-o', 's3://aicr/folder/'], {}, 2, /the key names a folder/],
      [
        ['--s3-endpoint', 'ftp://h', 'recipe', '--snapshot', 's3://aicr/x.yaml'],
        {},
        2,
        /invalid URL for --s3-endpoint/,
      ],
    ];
    for (const [args, extra, code, re] of cases) {
      const r = await cli(args, extra);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
      if (code !== 0) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(await listKeys('aicr', 'denied'), []);
  });
});

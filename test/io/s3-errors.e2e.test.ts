/** s3:// errors through the built CLI against a real S3-compatible server (test/helpers/s3.ts): exit codes 2/3/4/6. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { S3_SECRET, s3Fixture, s3SkipReason, type S3Fixture } from '../helpers/s3.js';

describe('s3:// errors name the location and map to exit codes', { skip: s3SkipReason() }, () => {
  let f: S3Fixture;
  before(async () => {
    f = await s3Fixture();
  });
  after(() => f?.close());

  before(async () => {
    const s = await f.cli(['snapshot', '--filter', 'os', '-o', 's3://aicr/snapshots/node-1.yaml']);
    assert.equal(s.code, 0, s.stderr);
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
        { AWS_ACCESS_KEY_ID: undefined, AWS_S3_SECRET_ACCESS_KEY: undefined },
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
        ['recipe', '--snapshot', 's3://aicr/snapshots/node-1.yaml', '--s3-endpoint', f.server.url],
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
      const r = await f.cli(args, extra);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(S3_SECRET));
      if (code !== 0) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(await f.listKeys('aicr', 'denied'), []);
  });
});

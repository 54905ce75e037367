/** s3:// location parsing and the mapping of SDK/network errors to exit codes (src/io/s3.ts, src/io/uri.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeFor } from '../../src/errors/index.js';
import { contentTypeFor, s3Error } from '../../src/io/s3.js';
import { parseS3Uri } from '../../src/io/uri.js';

test('parseS3Uri: bucket and key; prefixes for bundles; malformed locations are exit 2', () => {
  assert.deepEqual(parseS3Uri('s3://my-bucket/a/b.yaml', 'x'), { bucket: 'my-bucket', key: 'a/b.yaml' });
  assert.deepEqual(parseS3Uri('S3://b.b-b/k', 'x'), { bucket: 'b.b-b', key: 'k' });
  assert.deepEqual(parseS3Uri('s3://bkt/p', 'x', { prefix: true }), { bucket: 'bkt', key: 'p/' });
  assert.deepEqual(parseS3Uri('s3://bkt/p/', 'x', { prefix: true }), { bucket: 'bkt', key: 'p/' });
  assert.deepEqual(parseS3Uri('s3://bkt', 'x', { prefix: true }), { bucket: 'bkt', key: '' });
  const bad: [string, RegExp, boolean?][] = [
    ['s3://ab/k', /bucket "ab"/],
    ['s3://-bad/k', /bucket "-bad"/],
    [`s3://${'b'.repeat(64)}/k`, /must be 3–63/],
    ['s3://bkt', /names a folder/],
    ['s3://bkt/dir/', /names a folder/],
    ['s3://bkt/a?x=1', /\?, # or control characters/],
    ['s3://bkt/a\nb', /control characters/],
    ['s3://bkt/../etc/passwd', /\. or \.\. segments/],
    [`s3://bkt/${'k'.repeat(1025)}`, /longer than 1024 bytes/],
    ['s3://bkt//abs', /may not start with \//, true],
  ];
  for (const [uri, re, prefix] of bad) {
    assert.throws(
      () => parseS3Uri(uri, 'snapshot', { prefix }),
      (err: unknown) => exitCodeFor(err) === 2 && re.test((err as Error).message),
      uri,
    );
  }
});

test('s3Error: credentials/denied 4, no bucket/key 3, network and 5xx 6, deadline 5, 400 2; the location named', () => {
  const sdkErr = (name: string, status?: number, extra: object = {}) =>
    Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status }, ...extra });
  const url = 's3://bkt/k.yaml';
  const cases: [unknown, number, RegExp][] = [
    [sdkErr('CredentialsProviderError'), 4, /no AWS credentials found for reading s3:\/\/bkt\/k\.yaml/],
    [sdkErr('AccessDenied', 403), 4, /access denied reading s3:\/\/bkt\/k\.yaml \(AccessDenied\)/],
    [sdkErr('InvalidAccessKeyId', 403), 4, /InvalidAccessKeyId/],
    [sdkErr('Unknown', 403), 4, /access denied/],
    [sdkErr('NoSuchBucket', 404), 3, /the bucket does not exist/],
    [sdkErr('NoSuchKey', 404), 3, /no such object/],
    [sdkErr('NotFound', 404), 3, /no such object/],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      6,
      /ECONNREFUSED/,
    ],
    [
      Object.assign(new Error('x'), { errors: [{ code: 'ENOTFOUND', message: 'getaddrinfo' }] }),
      6,
      /ENOTFOUND/,
    ],
    [sdkErr('TimeoutError'), 6, /cannot reach the S3 endpoint/],
    [sdkErr('InternalError', 500), 6, /the S3 service failed/],
    [sdkErr('InvalidBucketName', 400), 2, /refused/],
  ];
  for (const [err, code, re] of cases) {
    const mapped = s3Error(err, 'reading', url);
    assert.equal(exitCodeFor(mapped), code, mapped.message);
    assert.match(mapped.message, re);
  }
  const late = s3Error(sdkErr('AbortError'), 'reading', url, true);
  assert.equal(exitCodeFor(late), 5);
  assert.match(late.message, /timed out after 300s reading s3:\/\/bkt\/k\.yaml/);
});

test('contentTypeFor: by extension', () => {
  assert.equal(contentTypeFor('a/values.yaml'), 'application/yaml');
  assert.equal(contentTypeFor('r.json'), 'application/json');
  assert.equal(contentTypeFor('deploy.sh'), 'text/x-shellscript');
  assert.equal(contentTypeFor('p/checksums.txt'), 'text/plain');
  assert.equal(contentTypeFor('p/.aicr-bundle'), 'text/plain');
  assert.equal(contentTypeFor('chart.tgz'), 'application/octet-stream');
});

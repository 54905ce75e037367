/** bundle -o s3://bucket/prefix/ through the built CLI against a real S3-compatible server (test/helpers/s3.ts). */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { TRAINING_CRITERIA } from '../helpers/cli.js';
import {
  s3Client,
  s3Fixture,
  s3SkipReason,
  startS3Server,
  type S3Fixture,
  type S3Server,
} from '../helpers/s3.js';

describe(
  'bundle -o s3://: checksums.txt last, replacement, clean-up on failure',
  { skip: s3SkipReason() },
  () => {
    let f: S3Fixture;
    let failing: S3Server;
    before(async () => {
      f = await s3Fixture();
      failing = await startS3Server(['-bucket', 'aicr', '-deny-put', 'broken/gpu-operator/']);
    });
    after(() => {
      f?.close();
      failing?.proc.kill();
    });

    it('bundle -o s3://bucket/prefix/ uploads every file with checksums.txt last', async () => {
      const recipe = await f.cli(['recipe', ...TRAINING_CRITERIA, '-o', 'r.yaml']);
      assert.equal(recipe.code, 0, recipe.stderr);
      const local = await f.cli(['bundle', '-r', 'r.yaml', '-o', 'local-bundle']);
      assert.equal(local.code, 0, local.stderr);
      const from = f.server.lines.length;
      const b = await f.cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/bundles/h100/']);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout, /Output directory: s3:\/\/aicr\/bundles\/h100\//);
      assert.match(b.stdout, /aws s3 cp --recursive s3:\/\/aicr\/bundles\/h100\/ \.\/h100/);
      const sums = readFileSync(path.join(f.dir, 'local-bundle/checksums.txt'), 'utf8');
      const listed = sums
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]!);
      const keys = await f.listKeys('aicr', 'bundles/h100/');
      assert.deepEqual(keys, [...listed, 'checksums.txt'].map((p) => `bundles/h100/${p}`).sort());
      for (const p of [...listed, 'checksums.txt']) {
        assert.equal(
          await f.getText('aicr', `bundles/h100/${p}`),
          readFileSync(path.join(f.dir, 'local-bundle', p), 'utf8'),
          p,
        );
      }
      const puts = f.server.lines
        .slice(from)
        .filter((l) => l.startsWith('PUT /aicr/bundles/h100/'))
        .map((l) => l.split(' ')[1]!.split('?')[0]);
      assert.equal(puts.length, listed.length + 1);
      assert.equal(puts[puts.length - 1], '/aicr/bundles/h100/checksums.txt');

      // A second upload to the same prefix replaces it: objects the new bundle lacks are removed.
      await f.sdk.send(
        new PutObjectCommand({ Bucket: 'aicr', Key: 'bundles/h100/stale/old.yaml', Body: 'x: 1\n' }),
      );
      const again = await f.cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/bundles/h100']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await f.listKeys('aicr', 'bundles/h100/'), keys);

      // A prefix with other objects is not an aicr bundle: refused before anything is written.
      await f.sdk.send(
        new PutObjectCommand({ Bucket: 'aicr', Key: 'snapshots/node-1.yaml', Body: 'kind: Snapshot\n' }),
      );
      const foreign = await f.cli(['bundle', '-r', 'r.yaml', '-o', 's3://aicr/snapshots/']);
      assert.equal(foreign.code, 2, foreign.stderr);
      assert.match(foreign.stderr, /s3:\/\/aicr\/snapshots\/ holds 1 objects that are not an aicr bundle/);
      assert.deepEqual(await f.listKeys('aicr', 'snapshots/'), ['snapshots/node-1.yaml']);
    });

    it('a bundle upload that fails midway removes what it wrote and never writes checksums.txt', async () => {
      writeFileSync(
        path.join(f.dir, 'r2.yaml'),
        (await f.cli(['recipe', '--service', 'eks', '--accelerator', 'h100', '--intent', 'training'])).stdout,
      );
      const from = failing.lines.length;
      const b = await f.cli(['bundle', '-r', 'r2.yaml', '-o', 's3://aicr/broken/'], {
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
      const left = s3Client(failing.url);
      try {
        const res = await left.send(new ListObjectsV2Command({ Bucket: 'aicr', Prefix: 'broken/' }));
        assert.deepEqual(res.Contents ?? [], []);
      } finally {
        left.destroy();
      }
    });
  },
);

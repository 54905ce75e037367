/** s3:// document outputs and inputs through the built CLI against a real S3-compatible server (test/helpers/s3.ts). */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3_SECRET, s3Fixture, s3SkipReason, type S3Fixture } from '../helpers/s3.js';

describe(
  's3:// documents: snapshot, recipe, validate outputs and inputs; multipart',
  { skip: s3SkipReason() },
  () => {
    let f: S3Fixture;
    before(async () => {
      f = await s3Fixture();
      // A big fake OS root: more than 5 MiB of sysctl values.
      mkdirSync(path.join(f.dir, 'bigroot', 'proc/sys/kernel'), { recursive: true });
      writeFileSync(path.join(f.dir, 'bigroot', 'proc/cmdline'), 'quiet\n');
      for (let i = 0; i < 400; i++) {
        writeFileSync(path.join(f.dir, 'bigroot', `proc/sys/kernel/k${i}`), `v${i}-`.repeat(4000) + '\n');
      }
    });
    after(() => f?.close());

    it('snapshot, recipe and validate write s3:// objects and read them back', async () => {
      const s = await f.cli(['snapshot', '--filter', 'os', '-o', 's3://aicr/snapshots/node-1.yaml']);
      assert.equal(s.code, 0, s.stderr);
      const snapText = await f.getText('aicr', 'snapshots/node-1.yaml');
      assert.match(snapText, /^kind: Snapshot$/m);
      assert.match(snapText, /k0: v0-v0-/);

      const r = await f.cli([
        'recipe',
        '--snapshot',
        's3://aicr/snapshots/node-1.yaml',
        '-o',
        's3://aicr/recipe.yaml',
      ]);
      assert.equal(r.code, 0, r.stderr);
      // The same recipe as from a local copy of the snapshot.
      writeFileSync(path.join(f.dir, 'snap.yaml'), snapText);
      const local = await f.cli(['recipe', '--snapshot', 'snap.yaml']);
      assert.equal(local.code, 0, local.stderr);
      assert.equal(await f.getText('aicr', 'recipe.yaml'), local.stdout);

      const v = await f.cli([
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
      const result = JSON.parse(await f.getText('aicr', 'results/v.json')) as { kind: string };
      assert.equal(result.kind, 'ValidationResult');
      for (const out of [s, r, v]) assert.doesNotMatch(out.stdout + out.stderr, new RegExp(S3_SECRET));
    });

    it('snapshot --upload writes the same document to a second location', async () => {
      const u = await f.cli([
        'snapshot',
        '--filter',
        'os',
        '-o',
        'up.yaml',
        '--upload',
        's3://aicr/uploads/node-1.yaml',
      ]);
      assert.equal(u.code, 0, u.stderr);
      assert.equal(
        await f.getText('aicr', 'uploads/node-1.yaml'),
        readFileSync(path.join(f.dir, 'up.yaml'), 'utf8'),
      );
      const bad = await f.cli(['snapshot', '--watch', '--upload', 's3://aicr/uploads/w.yaml']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--upload is an extra output of a local snapshot/);
      const nobucket = await f.cli([
        'snapshot',
        '--filter',
        'os',
        '-o',
        'up2.yaml',
        '--upload',
        's3://nobucket/x.yaml',
      ]);
      assert.equal(nobucket.code, 3, nobucket.stderr);
    });

    it('a document over 5 MiB is a multipart upload, completed once and read back whole', async () => {
      const from = f.server.lines.length;
      const s = await f.cli(
        ['snapshot', '--filter', 'os', '-t', 'json', '-o', 's3://aicr/big/snapshot.json'],
        {
          AICR_OS_ROOT: path.join(f.dir, 'bigroot'),
        },
      );
      assert.equal(s.code, 0, s.stderr);
      const reqs = f.server.lines.slice(from).filter((l) => l.includes('/aicr/big/snapshot.json'));
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
      const text = await f.getText('aicr', 'big/snapshot.json');
      assert.ok(text.length > 5 * 1024 * 1024, `${text.length} bytes`);
      assert.equal(JSON.parse(text).kind, 'Snapshot');
      const back = await f.cli([
        'query',
        '--snapshot',
        's3://aicr/big/snapshot.json',
        '--selector',
        'criteria',
      ]);
      assert.equal(back.code, 0, back.stderr);
    });
  },
);

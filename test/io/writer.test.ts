/** Writing outputs: atomic files, stdout, ConfigMaps through the pluggable store, refusals. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import {
  setConfigMapStoreFactory,
  type ConfigMapReadOptions,
  type ConfigMapStore,
  type ConfigMapWriteRequest,
} from '../../src/io/configmap.js';
import type { ConfigMapRef } from '../../src/io/uri.js';
import { CONFIGMAP_MAX_BYTES } from '../../src/io/limits.js';
import { writeFileSafe, writeOutput } from '../../src/io/writer.js';
import { buildInfo } from '../../src/version/buildinfo.js';
import { repoRoot } from '../helpers/paths.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aicr-writer-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function isAicr(code: string, message: RegExp | string) {
  return (err: unknown) => {
    assert.ok(err instanceof AicrError, `expected AicrError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

// ---- writeFileSafe --------------------------------------------------------------------------

test('writeFileSafe refuses a missing parent folder (exit 2) and creates no folder', async () => {
  const f = path.join(tmp, 'create', 'a', 'b', 'out.yaml');
  await assert.rejects(writeFileSafe(f, 'kind: Snapshot\n'), (err: unknown) => {
    isAicr('INVALID_REQUEST', /folder .*create\/a\/b does not exist/)(err);
    assert.equal(exitCodeFor(err), 2);
    return true;
  });
  await assert.rejects(stat(path.join(tmp, 'create')), /ENOENT/);
  await mkdir(path.join(tmp, 'create'));
  const g = path.join(tmp, 'create', 'bin.dat');
  await writeFileSafe(g, Buffer.from([0, 1, 2, 255]));
  assert.deepEqual([...(await readFile(g))], [0, 1, 2, 255]);
});

test('writeFileSafe replaces a file by rename: readers of the old file never see a mix', async () => {
  const dir = path.join(tmp, 'replace');
  const f = path.join(dir, 'recipe.yaml');
  await mkdir(dir);
  await writeFile(f, 'old: content\n'.repeat(1000));
  const oldIno = (await stat(f)).ino;
  const reader = await open(f, 'r');
  try {
    await writeFileSafe(f, 'new: content\n');
    assert.equal(await readFile(f, 'utf8'), 'new: content\n');
    assert.notEqual((await stat(f)).ino, oldIno, 'a new file took the name');
    // The already-open old file is untouched.
    assert.equal(await reader.readFile('utf8'), 'old: content\n'.repeat(1000));
  } finally {
    await reader.close();
  }
  assert.deepEqual(await readdir(dir), ['recipe.yaml'], 'no temp files left');
});

test('writeFileSafe keeps the mode of an existing file; a new file gets 0666 & ~umask', async () => {
  const dir = path.join(tmp, 'mode');
  await mkdir(dir);
  const f = path.join(dir, 'secret.yaml');
  await writeFile(f, 'old\n', { mode: 0o640 });
  await chmod(f, 0o640);
  await writeFileSafe(f, 'x: 1\n');
  assert.equal((await stat(f)).mode & 0o7777, 0o640);
  assert.equal(await readFile(f, 'utf8'), 'x: 1\n');
  const g = path.join(dir, 'new.yaml');
  await writeFileSafe(g, 'y: 1\n');
  const umask = process.umask();
  assert.equal((await stat(g)).mode & 0o777, 0o666 & ~umask);
});

test('writeFileSafe: concurrent writes to one file all succeed; one complete content wins', async () => {
  const dir = path.join(tmp, 'concurrent');
  await mkdir(dir);
  const f = path.join(dir, 'out.json');
  const contents = Array.from({ length: 12 }, (_, i) => `{"writer": ${i}, "pad": "${'x'.repeat(5000)}"}\n`);
  await Promise.all(contents.map((c) => writeFileSafe(f, c)));
  assert.ok(contents.includes(await readFile(f, 'utf8')));
  assert.deepEqual(await readdir(dir), ['out.json'], 'no temp files left');
});

test('writeFileSafe: a directory in the way is an INVALID_REQUEST error and leaves no temp file', async () => {
  const dir = path.join(tmp, 'target-is-dir');
  const target = path.join(dir, 'out.yaml');
  await mkdir(target, { recursive: true });
  await writeFile(path.join(target, 'keep'), 'k');
  await assert.rejects(
    writeFileSafe(target, 'a: 1\n'),
    isAicr('INVALID_REQUEST', new RegExp(`^cannot write output file ${target}: `)),
  );
  assert.deepEqual(await readdir(dir), ['out.yaml'], 'no temp files left');
  assert.ok((await stat(target)).isDirectory(), 'the directory is untouched');
  assert.deepEqual(await readdir(target), ['keep']);
});

test('writeFileSafe: a parent path that is a file is an AicrError naming the output (exit 2)', async () => {
  const blocker = path.join(tmp, 'blocker');
  await writeFile(blocker, 'i am a file');
  const target = path.join(blocker, 'sub', 'out.yaml');
  await assert.rejects(writeFileSafe(target, 'a: 1\n'), (err: unknown) => {
    isAicr('INVALID_REQUEST', new RegExp(`^cannot write output file ${target}: `))(err);
    assert.equal(exitCodeFor(err), 2);
    return true;
  });
  assert.equal(await readFile(blocker, 'utf8'), 'i am a file');
});

// ---- writeOutput: files, stdout, URLs ---------------------------------------------------------

test('writeOutput writes a file path atomically', async () => {
  const f = path.join(tmp, 'out', 'snapshot.yaml');
  await mkdir(path.dirname(f));
  await writeOutput(f, 'kind: Snapshot\n', { kind: 'snapshot', format: 'yaml' });
  assert.equal(await readFile(f, 'utf8'), 'kind: Snapshot\n');
  assert.deepEqual(await readdir(path.dirname(f)), ['snapshot.yaml']);
});

test('writeOutput writes to stdout for no location and for "-"', () => {
  const script = [
    "import { writeOutput } from './src/io/writer.ts';",
    "await writeOutput(undefined, 'one\\n', { kind: 'snapshot', format: 'yaml' });",
    "await writeOutput('-', 'two\\n', { kind: 'snapshot', format: 'yaml' });",
  ].join('\n');
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, 'one\ntwo\n');
  assert.equal(res.stderr, '');
});

test('writeOutput refuses http(s) URLs (read-only), exit 2', async () => {
  for (const url of ['http://127.0.0.1:1/out.yaml', 'HTTPS://example.com/x']) {
    await assert.rejects(writeOutput(url, 'a: 1\n', { kind: 'recipe', format: 'yaml' }), (err: unknown) => {
      isAicr(
        'INVALID_REQUEST',
        `cannot write recipe to "${url}": URLs are read-only; use a file path, - for stdout, cm://namespace/name or s3://bucket/key`,
      )(err);
      assert.equal(exitCodeFor(err), 2);
      return true;
    });
  }
});

// ---- writeOutput: ConfigMaps --------------------------------------------------------------------

interface Written {
  ref: ConfigMapRef;
  req: ConfigMapWriteRequest;
  opts: ConfigMapReadOptions;
}

/** A ConfigMap store kept in memory, plugged in through the documented factory. */
class MemoryStore implements ConfigMapStore {
  readonly writes: Written[] = [];
  failWith?: Error;
  async read(): Promise<Record<string, string>> {
    return {};
  }
  async write(ref: ConfigMapRef, req: ConfigMapWriteRequest, opts: ConfigMapReadOptions): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.writes.push({ ref, req, opts });
  }
}

let factoryCalls = 0;
function useStore(): MemoryStore {
  const store = new MemoryStore();
  factoryCalls = 0;
  setConfigMapStoreFactory(async () => {
    factoryCalls++;
    return store;
  });
  return store;
}

test('writeOutput cm://: data key per kind and format, format and timestamp keys, aicr labels', async () => {
  const store = useStore();
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  await writeOutput('cm://gpu-operator/aicr-snapshot', 'kind: Snapshot\n', {
    kind: 'snapshot',
    format: 'yaml',
    kubeconfig: '/home/u/.kube/config',
  });
  const t1 = Date.now();
  assert.equal(store.writes.length, 1);
  const { ref, req, opts } = store.writes[0];
  assert.deepEqual(ref, { namespace: 'gpu-operator', name: 'aicr-snapshot' });
  assert.deepEqual(opts, { kubeconfig: '/home/u/.kube/config' });
  assert.deepEqual(Object.keys(req.data).sort(), ['format', 'snapshot.yaml', 'timestamp']);
  assert.equal(req.data['snapshot.yaml'], 'kind: Snapshot\n');
  assert.equal(req.data.format, 'yaml');
  // UTC RFC 3339 with whole seconds, written now.
  assert.match(req.data.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const ts = Date.parse(req.data.timestamp);
  assert.ok(ts >= t0 && ts <= t1, `${req.data.timestamp} is the write time`);
  assert.deepEqual(req.labels, {
    'app.kubernetes.io/name': 'aicr',
    'app.kubernetes.io/component': 'snapshot',
    'app.kubernetes.io/version': buildInfo.version,
  });
});

test('writeOutput cm://: json and table formats and other kinds choose their keys', async () => {
  const store = useStore();
  await writeOutput('cm://ns/a', '{}\n', { kind: 'snapshot', format: 'json' });
  await writeOutput('cm://ns/b', 'FIELD  VALUE\n', { kind: 'snapshot', format: 'table' });
  await writeOutput('cm://ns/c', 'kind: RecipeResult\n', { kind: 'recipe', format: 'yaml' });
  await writeOutput('cm://ns/d', '{}\n', { kind: 'validation', format: 'json' });
  const keys = store.writes.map((w) => [w.ref.name, Object.keys(w.req.data).sort(), w.req.data.format]);
  assert.deepEqual(keys, [
    ['a', ['format', 'snapshot.json', 'timestamp'], 'json'],
    ['b', ['format', 'snapshot.txt', 'timestamp'], 'table'],
    ['c', ['format', 'recipe.yaml', 'timestamp'], 'yaml'],
    ['d', ['format', 'timestamp', 'validation.json'], 'json'],
  ]);
  assert.equal(store.writes[2].req.labels['app.kubernetes.io/component'], 'recipe');
});

test('writeOutput cm://: content over the ConfigMap limit is refused before the store is touched', async () => {
  const store = useStore();
  const limit = CONFIGMAP_MAX_BYTES - 4096; // room for the format/timestamp keys and metadata
  assert.equal(CONFIGMAP_MAX_BYTES, 1024 * 1024);
  const cases = [
    'a'.repeat(1024 * 1024 + 1),
    'a'.repeat(limit + 1),
    // Bytes count, not characters: fewer characters than the limit, more bytes.
    'é'.repeat(Math.floor(limit / 2) + 1),
  ];
  for (const content of cases) {
    const size = Buffer.byteLength(content);
    await assert.rejects(
      writeOutput('cm://ns/big', content, { kind: 'snapshot', format: 'yaml' }),
      (err: unknown) => {
        isAicr(
          'INVALID_REQUEST',
          `snapshot is too large for ConfigMap ns/big (${size} bytes; a ConfigMap holds at most 1 MiB); write it to a file instead`,
        )(err);
        assert.equal(exitCodeFor(err), 2);
        return true;
      },
    );
  }
  assert.equal(factoryCalls, 0, 'the store was never created');
  assert.equal(store.writes.length, 0);
  // Exactly at the limit it is written.
  await writeOutput('cm://ns/edge', 'a'.repeat(limit), { kind: 'snapshot', format: 'yaml' });
  assert.equal(store.writes.length, 1);
});

test('writeOutput cm://: a bad URI is refused before the store is touched', async () => {
  const store = useStore();
  await assert.rejects(
    writeOutput('cm://Bad_NS/x', 'a: 1\n', { kind: 'snapshot', format: 'yaml' }),
    isAicr(
      'INVALID_REQUEST',
      /^invalid ConfigMap URI "cm:\/\/Bad_NS\/x": namespace "Bad_NS" must be a DNS-1123 label/,
    ),
  );
  await assert.rejects(
    writeOutput('cm://only-namespace', 'a: 1\n', { kind: 'snapshot', format: 'yaml' }),
    isAicr('INVALID_REQUEST', 'invalid ConfigMap URI "cm://only-namespace": expected cm://namespace/name'),
  );
  assert.equal(factoryCalls, 0);
  assert.equal(store.writes.length, 0);
});

test('writeOutput cm://: a store failure reaches the caller with its code', async () => {
  const store = useStore();
  store.failWith = new AicrError('UNAUTHORIZED', 'configmaps "x" is forbidden');
  await assert.rejects(
    writeOutput('cm://ns/x', 'a: 1\n', { kind: 'snapshot', format: 'yaml' }),
    (err: unknown) => {
      isAicr('UNAUTHORIZED', 'configmaps "x" is forbidden')(err);
      assert.equal(exitCodeFor(err), 4);
      return true;
    },
  );
});

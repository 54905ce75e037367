/**
 * Reading inputs: real HTTP servers on 127.0.0.1, real files in a temp folder, and a ConfigMap store
 * plugged in through setConfigMapStoreFactory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AicrError, exitCodeFor, type ErrorCode } from '../../src/errors/index.js';
import { Logger, setLogger } from '../../src/logging/logger.js';
import { setConfigMapStoreFactory, type ConfigMapStore } from '../../src/io/configmap.js';
import type { ConfigMapRef } from '../../src/io/uri.js';
import { HTTP_MAX_BYTES, fetchUrl, readDocument, readSource } from '../../src/io/reader.js';

// ---- helpers ----------------------------------------------------------------------------------

interface Server {
  base: string;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<Server> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    res.on('error', () => {});
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Asserts a rejection with the given code, exit code and a message that matches. */
async function rejectsWith(p: Promise<unknown>, code: ErrorCode, exit: number, message: RegExp | string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AicrError, `expected AicrError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(exitCodeFor(err), exit);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const logLines: string[] = [];
setLogger(new Logger({ mode: 'cli', level: 'debug', version: 'test', write: (l) => logLines.push(l) }));

let tmp: string;
let server: Server;

const YAML_DOC = 'kind: RecipeResult\nmemory: 18446744073709551615\ncount: 3\n';
const JSON_DOC = '{"kind": "Snapshot", "big": 12345678901234567890, "n": 1.5}';

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aicr-reader-'));
  server = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (p === '/r.yaml' || p === '/plain') {
      res.writeHead(200, { 'content-type': 'application/yaml' }).end(YAML_DOC);
    } else if (p === '/s.json' || p === '/json-no-ext') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON_DOC);
    } else if (p === '/yaml-in-json.json') {
      res.writeHead(200).end(YAML_DOC);
    } else if (p.startsWith('/status/')) {
      res.writeHead(Number(p.slice('/status/'.length))).end('nope');
    } else if (p.startsWith('/hop/')) {
      // /hop/N redirects to /hop/N-1 (relative Location); /hop/0 serves the document.
      const n = Number(p.slice('/hop/'.length));
      if (n === 0) res.writeHead(200).end(YAML_DOC);
      else res.writeHead(n % 2 ? 302 : 301, { location: `${n - 1}` }).end();
    } else if (p === '/redirect-no-location') {
      res.writeHead(302).end();
    } else if (p === '/slow-headers') {
      setTimeout(() => res.writeHead(200).end(YAML_DOC), 3000).unref();
    } else if (p === '/slow-body') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.write('kind: Recipe\n');
      setTimeout(() => res.end('x: 1\n'), 3000).unref();
    } else if (p === '/declared-large') {
      res.writeHead(200, { 'content-length': String(Number(url.searchParams.get('n'))) });
      res.write('a: 1\n'); // never finishes: the declared length alone must be refused
    } else if (p === '/chunked-large') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.write(Buffer.alloc(600, 'a'));
      res.write(Buffer.alloc(600, 'b')); // and never ends: the reader must stop at the cap by itself
    } else if (p === '/drop') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('a: 1\n');
      setTimeout(() => res.socket?.destroy(), 50).unref();
    } else {
      res.writeHead(404).end();
    }
  });
});

after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

// ---- HTTP -------------------------------------------------------------------------------------

test('HTTP 200 with YAML: parsed with exact big integers; the request identifies aicr', async () => {
  const { doc, location } = await readDocument(`${server.base}/r.yaml`, { what: 'recipe' });
  assert.equal(location, `${server.base}/r.yaml`);
  assert.deepEqual(doc, { kind: 'RecipeResult', memory: 18446744073709551615n, count: 3 });
  const req = server.requests.at(-1)!;
  assert.equal(req.method, 'GET');
  assert.equal(req.headers['user-agent'], 'aicr');
  assert.match(String(req.headers.accept), /application\/yaml/);
});

test('HTTP 200 with JSON: format from the .json extension, or sniffed without one', async () => {
  const src = await readSource(`${server.base}/s.json`, { what: 'snapshot' });
  assert.equal(src.format, 'json');
  assert.equal(src.text, JSON_DOC);
  const expected = { kind: 'Snapshot', big: 12345678901234567890n, n: 1.5 };
  assert.deepEqual((await readDocument(`${server.base}/s.json`, { what: 'snapshot' })).doc, expected);
  const bare = await readSource(`${server.base}/json-no-ext`, { what: 'snapshot' });
  assert.equal(bare.format, undefined);
  assert.deepEqual((await readDocument(`${server.base}/json-no-ext`, { what: 'snapshot' })).doc, expected);
  assert.deepEqual((await readDocument(`${server.base}/plain`, { what: 'recipe' })).doc, {
    kind: 'RecipeResult',
    memory: 18446744073709551615n,
    count: 3,
  });
});

test('HTTP: a .json URL whose body is YAML is a JSON error naming the URL', async () => {
  const url = `${server.base}/yaml-in-json.json`;
  await rejectsWith(
    readDocument(url, { what: 'recipe' }),
    'INVALID_REQUEST',
    2,
    new RegExp(`^recipe ${url.replace(/[.]/g, '\\.')}: invalid JSON: line 1, column 1: `),
  );
});

test('plain http:// logs a warning naming the URL', async () => {
  logLines.length = 0;
  await fetchUrl(`${server.base}/r.yaml`, 'recipe');
  assert.deepEqual(logLines, [
    `[cli] reading recipe over plain HTTP; the document is not protected in transit: url=${server.base}/r.yaml\n`,
  ]);
});

test('HTTP 404 and 410 → NOT_FOUND (exit 3) naming the URL', async () => {
  for (const status of [404, 410]) {
    const url = `${server.base}/status/${status}`;
    await rejectsWith(fetchUrl(url, 'recipe'), 'NOT_FOUND', 3, `HTTP ${status} fetching recipe from ${url}`);
  }
  const url = `${server.base}/missing.yaml`;
  await rejectsWith(
    readDocument(url, { what: 'snapshot' }),
    'NOT_FOUND',
    3,
    `HTTP 404 fetching snapshot from ${url}`,
  );
});

test('HTTP 401 and 403 → UNAUTHORIZED (exit 4) naming the URL', async () => {
  for (const status of [401, 403]) {
    const url = `${server.base}/status/${status}`;
    await rejectsWith(
      fetchUrl(url, 'recipe'),
      'UNAUTHORIZED',
      4,
      `HTTP ${status} fetching recipe from ${url}`,
    );
  }
});

test('HTTP 5xx and other failures → SERVICE_UNAVAILABLE (exit 6) naming the URL', async () => {
  for (const status of [500, 502, 503, 400, 429]) {
    const url = `${server.base}/status/${status}`;
    await rejectsWith(
      fetchUrl(url, 'recipe'),
      'SERVICE_UNAVAILABLE',
      6,
      `HTTP ${status} fetching recipe from ${url}`,
    );
  }
  const url = `${server.base}/redirect-no-location`;
  await rejectsWith(
    fetchUrl(url, 'recipe'),
    'SERVICE_UNAVAILABLE',
    6,
    `HTTP 302 fetching recipe from ${url}`,
  );
});

test('HTTP redirects: a chain of 5 (relative Location, 301 and 302) is followed', async () => {
  const before = server.requests.length;
  const { doc } = await readDocument(`${server.base}/hop/5`, { what: 'recipe' });
  assert.deepEqual(doc, { kind: 'RecipeResult', memory: 18446744073709551615n, count: 3 });
  assert.deepEqual(
    server.requests.slice(before).map((r) => r.url),
    ['/hop/5', '/hop/4', '/hop/3', '/hop/2', '/hop/1', '/hop/0'],
  );
});

test('HTTP redirects: a 6th redirect is refused, naming the original URL', async () => {
  const url = `${server.base}/hop/6`;
  const before = server.requests.length;
  await rejectsWith(
    fetchUrl(url, 'recipe'),
    'SERVICE_UNAVAILABLE',
    6,
    `too many redirects (more than 5) fetching recipe from ${url}`,
  );
  // /hop/0 is never requested.
  assert.equal(server.requests.length - before, 6);
});

test('HTTP: a server slower than timeoutMs → TIMEOUT (exit 5), waiting for headers or for the body', async () => {
  for (const p of ['/slow-headers', '/slow-body']) {
    const url = `${server.base}${p}`;
    const t0 = Date.now();
    await rejectsWith(
      fetchUrl(url, 'recipe', { timeoutMs: 200 }),
      'TIMEOUT',
      5,
      `timed out after 0.2s fetching recipe from ${url}`,
    );
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 2000, `gave up after ${took} ms`);
  }
});

test('HTTP: a declared Content-Length above the cap is refused before reading, naming URL and cap', async () => {
  const url = `${server.base}/declared-large?n=5000`;
  await rejectsWith(
    fetchUrl(url, 'recipe', { maxBytes: 1000 }),
    'INVALID_REQUEST',
    2,
    `recipe at ${server.base}/declared-large?REDACTED is too large: 5000 bytes, more than 1000 bytes, the limit for HTTP(S) bodies`,
  );
  // The default cap is 16 MiB.
  assert.equal(HTTP_MAX_BYTES, 16 * 1024 * 1024);
  const big = `${server.base}/declared-large?n=${HTTP_MAX_BYTES + 1}`;
  await rejectsWith(
    fetchUrl(big, 'snapshot'),
    'INVALID_REQUEST',
    2,
    `snapshot at ${server.base}/declared-large?REDACTED is too large: ${HTTP_MAX_BYTES + 1} bytes, more than ${HTTP_MAX_BYTES} bytes (16 MiB), the limit for HTTP(S) bodies`,
  );
});

test('HTTP: a chunked body without a length is cut off at the cap, without waiting for the end', async () => {
  const url = `${server.base}/chunked-large`;
  const t0 = Date.now();
  await rejectsWith(
    fetchUrl(url, 'recipe', { maxBytes: 1000, timeoutMs: 10_000 }),
    'INVALID_REQUEST',
    2,
    `recipe at ${url} is too large: more than 1000 bytes, the limit for HTTP(S) bodies`,
  );
  assert.ok(Date.now() - t0 < 5000);
});

test('HTTP: a connection dropped mid-body → SERVICE_UNAVAILABLE naming the URL', async () => {
  const url = `${server.base}/drop`;
  await rejectsWith(
    fetchUrl(url, 'recipe'),
    'SERVICE_UNAVAILABLE',
    6,
    new RegExp(`^connection lost fetching recipe from ${url}: `),
  );
});

test('HTTP: connection refused (closed port) → SERVICE_UNAVAILABLE naming the URL and the cause', async () => {
  const closed = await serve((_req, res) => res.end());
  const url = `${closed.base}/r.yaml`;
  await closed.close();
  await rejectsWith(
    readDocument(url, { what: 'recipe' }),
    'SERVICE_UNAVAILABLE',
    6,
    new RegExp(`^cannot reach ${url.replace(/[.]/g, '\\.')} to fetch recipe: ECONNREFUSED`),
  );
});

// ---- files ------------------------------------------------------------------------------------

test('files: YAML and JSON by extension, content sniffed without one', async () => {
  const y = path.join(tmp, 'recipe.yml');
  const j = path.join(tmp, 'snap.JSON');
  const bare = path.join(tmp, 'noext');
  await writeFile(y, YAML_DOC);
  await writeFile(j, JSON_DOC);
  await writeFile(bare, '  \n' + JSON_DOC);
  assert.deepEqual(await readDocument(y, { what: 'recipe' }), {
    doc: { kind: 'RecipeResult', memory: 18446744073709551615n, count: 3 },
    location: y,
  });
  const src = await readSource(j, { what: 'snapshot' });
  assert.equal(src.format, 'json');
  assert.deepEqual((await readDocument(j, { what: 'snapshot' })).doc, {
    kind: 'Snapshot',
    big: 12345678901234567890n,
    n: 1.5,
  });
  assert.equal((await readSource(bare, { what: 'x' })).format, undefined);
  assert.deepEqual((await readDocument(bare, { what: 'x' })).doc, {
    kind: 'Snapshot',
    big: 12345678901234567890n,
    n: 1.5,
  });
});

test('files: a .json file holding YAML is refused as JSON; parse errors name the file', async () => {
  const f = path.join(tmp, 'wrong.json');
  await writeFile(f, YAML_DOC);
  await rejectsWith(
    readDocument(f, { what: 'recipe' }),
    'INVALID_REQUEST',
    2,
    `recipe ${f}: invalid JSON: line 1, column 1: unexpected character "k"`,
  );
  const bad = path.join(tmp, 'bad.yaml');
  await writeFile(bad, 'a: [1\n');
  await rejectsWith(
    readDocument(bad, { what: 'recipe' }),
    'INVALID_REQUEST',
    2,
    new RegExp(`^recipe ${bad}: invalid YAML: line \\d+, column \\d+: `),
  );
  const empty = path.join(tmp, 'empty.yaml');
  await writeFile(empty, '\n');
  await rejectsWith(
    readDocument(empty, { what: 'criteria' }),
    'INVALID_REQUEST',
    2,
    `criteria ${empty}: document is empty`,
  );
});

test('files: a missing file → NOT_FOUND (exit 3)', async () => {
  const f = path.join(tmp, 'nope', 'recipe.yaml');
  await rejectsWith(readDocument(f, { what: 'recipe' }), 'NOT_FOUND', 3, `recipe file not found: ${f}`);
});

test('files: a directory → INVALID_REQUEST (exit 2)', async () => {
  const d = path.join(tmp, 'dir.yaml');
  await mkdir(d);
  await rejectsWith(
    readSource(d, { what: 'snapshot' }),
    'INVALID_REQUEST',
    2,
    `snapshot "${d}" is a directory, expected a file`,
  );
});

test('files: a .txt or .table file is refused (the table format cannot be read back), even if absent', async () => {
  for (const name of ['snap.txt', 'snap.TABLE', 'missing.txt']) {
    const f = path.join(tmp, name);
    if (!name.startsWith('missing')) await writeFile(f, 'FIELD  VALUE\n');
    await rejectsWith(
      readDocument(f, { what: 'snapshot' }),
      'INVALID_REQUEST',
      2,
      `snapshot "${f}": the table format cannot be read back; use a .yaml or .json document`,
    );
  }
});

// ---- ConfigMaps (store plugged in) ------------------------------------------------------------

class MemoryStore implements ConfigMapStore {
  readonly maps = new Map<string, Record<string, string>>();
  readonly reads: { ref: ConfigMapRef; kubeconfig?: string }[] = [];
  async read(ref: ConfigMapRef, opts: { kubeconfig?: string }): Promise<Record<string, string>> {
    this.reads.push({ ref, kubeconfig: opts.kubeconfig });
    const data = this.maps.get(`${ref.namespace}/${ref.name}`);
    if (!data) throw new AicrError('NOT_FOUND', `failed to get ConfigMap ${ref.namespace}/${ref.name}`);
    return data;
  }
  async write(): Promise<void> {
    throw new Error('read-only in this test');
  }
}

test('cm://: reads the document key chosen by format and kind, passing the kubeconfig', async () => {
  const store = new MemoryStore();
  setConfigMapStoreFactory(async () => store);
  store.maps.set('gpu/snap', { format: 'json', 'snapshot.yaml': 'a: 1\n', 'snapshot.json': '{"a": 2}' });
  store.maps.set('gpu/rec', { 'recipe.yaml': 'kind: RecipeResult\n', 'snapshot.yaml': 'a: 3\n' });
  assert.deepEqual(await readDocument('cm://gpu/snap', { what: 'snapshot', kubeconfig: '/k/config' }), {
    doc: { a: 2 },
    location: 'cm://gpu/snap',
  });
  assert.deepEqual(store.reads.at(-1), { ref: { namespace: 'gpu', name: 'snap' }, kubeconfig: '/k/config' });
  assert.deepEqual((await readDocument('cm://gpu/rec', { what: 'recipe' })).doc, { kind: 'RecipeResult' });
  assert.deepEqual((await readDocument('cm://gpu/rec', { what: 'snapshot' })).doc, { a: 3 });
});

test('cm://: no matching key → NOT_FOUND naming the ConfigMap; a bad URI is INVALID_REQUEST', async () => {
  const store = new MemoryStore();
  setConfigMapStoreFactory(async () => store);
  store.maps.set('ns/other', { 'notes.txt': 'hello', 'snapshot.txt': 'FIELD VALUE' });
  await rejectsWith(
    readDocument('cm://ns/other', { what: 'recipe' }),
    'NOT_FOUND',
    3,
    'ConfigMap ns/other has no recipe data (looked for keys like recipe.yaml, snapshot.yaml)',
  );
  await rejectsWith(
    readDocument('cm://ns/other', { what: 'snapshot' }),
    'NOT_FOUND',
    3,
    'ConfigMap ns/other has no snapshot data (looked for keys like snapshot.yaml, recipe.yaml)',
  );
  await rejectsWith(
    readDocument('cm://ns/other', { what: 'validation input', kinds: ['validation'] }),
    'NOT_FOUND',
    3,
    'ConfigMap ns/other has no validation input data (looked for keys like validation.yaml, snapshot.yaml, recipe.yaml)',
  );
  await rejectsWith(
    readDocument('cm://ns/absent', { what: 'recipe' }),
    'NOT_FOUND',
    3,
    'failed to get ConfigMap ns/absent',
  );
  await rejectsWith(
    readDocument('cm://NS/x', { what: 'recipe' }),
    'INVALID_REQUEST',
    2,
    /^invalid ConfigMap URI "cm:\/\/NS\/x": namespace "NS"/,
  );
});

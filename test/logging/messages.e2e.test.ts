/**
 * Issue 9 §6 "Messages are safe to print and leak nothing" and issue 17 §3 (tables, log forging),
 * through the built CLI with real HTTP(S) servers on 127.0.0.1: control characters escaped in every log
 * mode and in table output, one line per record, URL credentials never printed nor written, unsupported
 * schemes refused, one error label naming the real cause, HTTP edge cases as plain exit-2 messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { RECIPE_UBUNTU_2404, SNAPSHOT_UBUNTU_2404 } from '../helpers/documents.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const SNAPSHOT = SNAPSHOT_UBUNTU_2404;
const RECIPE = RECIPE_UBUNTU_2404;
const TLS = path.join(repoRoot, 'test', 'k8s', 'tls');
const MODES: [string, string[]][] = [
  ['cli', []],
  ['text (--debug)', ['--debug']],
  ['json (--log-json)', ['--log-json']],
];
// Raw control characters a terminal acts on (C0 except nothing, DEL, C1, line separators, bidi).
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let dir: string;
let snap: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-msg-'));
  snap = path.join(dir, 'snapshot.yaml');
  writeFileSync(snap, SNAPSHOT);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every stderr line is one whole record of the mode; no raw control character anywhere. */
function assertRecords(mode: string, r: CliResult): string[] {
  assert.doesNotMatch(
    r.stderr,
    RAW_CONTROL,
    `${mode}: raw control character on stderr: ${JSON.stringify(r.stderr)}`,
  );
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  for (const l of lines) {
    if (mode.startsWith('json')) assert.doesNotThrow(() => JSON.parse(l), l);
    else if (mode.startsWith('text')) {
      // --debug also prints the stack trace of the failure; its frames start with spaces.
      assert.ok(/^time=\S+ level=/.test(l) || /^\s+at /.test(l) || /^\w*Error/.test(l), `${mode}: ${l}`);
    } else assert.match(l, /^\[cli\] /, `${mode}: ${l}`);
  }
  return lines;
}

describe('control characters from input are escaped in every log mode; one line per record', () => {
  const evil = '\u001b[31mred\u0007\r\n[cli] forged line\u009b2J\u2028x\u202eevil';

  it('an error message carrying the input (bad --service in a criteria file)', async () => {
    const crit = path.join(dir, 'evil-criteria.yaml');
    writeFileSync(crit, `kind: RecipeCriteria\nspec:\n  service: ${JSON.stringify(evil)}\n`);
    for (const [mode, flags] of MODES) {
      const r = await runCli([...flags, 'recipe', '--criteria', crit]);
      assert.equal(r.code, 2, r.stderr);
      const lines = assertRecords(mode, r);
      assert.ok(!lines.some((l) => l.startsWith('[cli] forged')), `${mode}: forged record`);
      if (mode === 'cli') {
        assert.equal(lines.length, 1, r.stderr);
        assert.ok(
          r.stderr.includes('\\x1b[31mred\\x07\\r\\n[cli] forged line\\x9b2J\\u2028x\\u202eevil'),
          r.stderr,
        );
      }
      if (mode.startsWith('json')) {
        const rec = JSON.parse(lines.at(-1)!);
        assert.ok(String(rec.error).includes(evil), 'JSON keeps the exact text, escaped');
      }
    }
  });

  it('an info line carrying an output path with ESC and a newline', async () => {
    const name = path.join(dir, 'out\n[cli] forged\u001b[2J.yaml');
    for (const [mode, flags] of MODES) {
      const r = await runCli([...flags, 'recipe', '--service', 'eks', '-o', name]);
      assert.equal(r.code, 0, r.stderr);
      const lines = assertRecords(mode, r);
      assert.ok(!lines.some((l) => l.startsWith('[cli] forged')), mode);
      assert.match(readFileSync(name, 'utf8'), /^kind: RecipeResult$/m);
    }
  });

  it('unknown flags and commands with control characters are escaped too', async () => {
    const r = await runCli(['recipe', '--\u001b[31mx']);
    assert.equal(r.code, 2);
    assertRecords('cli', r);
    const c = await runCli(['\u001b]0;title\u0007']);
    assert.equal(c.code, 2);
    assertRecords('cli', c);
  });
});

describe('table output escapes control characters in document values (issue 17 §3)', () => {
  it('validate -t table: a CR/ESC in a constraint cannot overwrite a row', async () => {
    const rec = path.join(dir, 'evil-recipe.yaml');
    writeFileSync(
      rec,
      'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\nconstraints:\n' +
        '  - name: "OS.release.VERSION_ID\\r\\e[32mPASS\\e[0m"\n    value: "24.04\\a\\nFAKE ROW"\n' +
        '  - name: OS.release.VERSION_ID\n    value: "99.99"\n',
    );
    const r = await runCli(['validate', '-r', rec, '-s', snap, '-t', 'table']);
    assert.equal(r.code, 9, r.stderr);
    assert.doesNotMatch(r.stdout, RAW_CONTROL);
    assert.ok(r.stdout.includes('OS.release.VERSION_ID\\r\\x1b[32mPASS\\x1b[0m'), r.stdout);
    assert.ok(r.stdout.includes('24.04\\x07\\nFAKE ROW'), r.stdout);
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('FAKE ROW')));
    assert.match(r.stdout, /^FAIL\s+readiness\s+OS\.release\.VERSION_ID\s+/m);
  });

  it('the FIELD/VALUE table of a document escapes values and field names', async () => {
    // A recipe whose criteria came from a snapshot with control characters in its values.
    const s = path.join(dir, 'evil-snapshot.yaml');
    writeFileSync(
      s,
      SNAPSHOT.replace('ID: ubuntu', 'ID: "ubuntu\\r\\e[2K"').replace('subtype: release', 'subtype: release'),
    );
    const v = await runCli(['validate', '-r', path.join(dir, 'evil-recipe.yaml'), '-s', s, '-t', 'table']);
    assert.doesNotMatch(v.stdout, RAW_CONTROL);
    const r = await runCli(['snapshot', '--filter', 'os', '--timeout', '30s', '-t', 'table']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^FIELD\s+VALUE$/m);
    assert.doesNotMatch(r.stdout, RAW_CONTROL);
  });
});

describe('URLs: credentials never printed nor written; schemes; HTTP edge cases', () => {
  let server: http.Server;
  let tls: https.Server;
  let base: string;
  let tlsBase: string;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url!, 'http://x');
    const to = (loc: string) => {
      res.writeHead(302, { location: loc });
      res.end();
    };
    switch (u.pathname) {
      case '/r.yaml':
        res.writeHead(200, { 'content-type': 'application/yaml' });
        return res.end(RECIPE);
      case '/empty.yaml':
        res.writeHead(200);
        return res.end();
      case '/nocontent.yaml':
        res.writeHead(204);
        return res.end();
      case '/to-http':
        return to(`${base}/r.yaml`);
      case '/to-https':
        return to(`${tlsBase}/r.yaml`);
      case '/to-file':
        return to('file:///etc/passwd');
      case '/to-creds':
        return to(`http://user:hunter2@127.0.0.1:${(server.address() as { port: number }).port}/r.yaml`);
      case '/to-bad':
        return to('http://[::1');
      default:
        res.writeHead(404);
        return res.end();
    }
  };
  before(async () => {
    server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    tls = https.createServer(
      { cert: readFileSync(path.join(TLS, 'server.crt')), key: readFileSync(path.join(TLS, 'server.key')) },
      handler,
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsBase = `https://127.0.0.1:${(tls.address() as { port: number }).port}`;
  });
  after(() => {
    server.close();
    tls.close();
  });
  const tlsEnv = () => ({ NODE_EXTRA_CA_CERTS: path.join(TLS, 'server.crt') });

  it('user:password@ in an input URL is refused with exit 2 and never printed, in every mode', async () => {
    for (const [mode, flags] of MODES) {
      const r = await runCli([
        ...flags,
        'validate',
        '-r',
        `${base.replace('//', '//admin:hunter2@')}/r.yaml`,
        '-s',
        snap,
      ]);
      assert.equal(r.code, 2, `${mode}: ${r.stderr}`);
      assert.match(r.stderr, /contains credentials \(user:password@\)/);
      assert.doesNotMatch(r.stderr, /hunter2|admin/, mode);
    }
  });

  it('a query string (signed URL) is fetched, but redacted in logs and in the output document', async () => {
    const url = `${base}/r.yaml?X-Signature=TOPSECRET&token=TOPSECRET2`;
    for (const [mode, flags] of MODES) {
      const out = path.join(dir, `result-${mode.split(' ')[0]}.yaml`);
      const r = await runCli([...flags, 'validate', '-r', url, '-s', snap, '-o', out]);
      assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /TOPSECRET/, mode);
      assert.match(
        r.stderr,
        /127\.0\.0\.1:\d+\/r\.yaml\?REDACTED/,
        `${mode}: the plain-HTTP warning names the URL`,
      );
      const doc = readFileSync(out, 'utf8');
      assert.doesNotMatch(doc, /TOPSECRET/);
      assert.match(doc, /recipe: http:\/\/127\.0\.0\.1:\d+\/r\.yaml\?REDACTED/);
    }
    const j = await runCli(['validate', '-r', url, '-s', snap, '-t', 'json']);
    assert.doesNotMatch(j.stdout + j.stderr, /TOPSECRET/);
    const nf = await runCli(['validate', '-r', `${base}/missing.yaml?sig=TOPSECRET`, '-s', snap]);
    assert.equal(nf.code, 3);
    assert.doesNotMatch(nf.stderr, /TOPSECRET/);
  });

  it('unsupported input schemes are exit 2 naming the supported forms, for every input flag', async () => {
    const cases: string[][] = [
      ['validate', '-r', 'az://bucket/r.yaml', '-s', snap],
      ['validate', '-r', path.join(dir, 'x.yaml'), '-s', 'gs://bucket/s.yaml'],
      ['recipe', '--snapshot', 'oci://registry/snap:1'],
      ['recipe', '--criteria', 'file:///tmp/c.yaml'],
      ['query', '--snapshot', 'ftp://host/s.yaml', '--selector', 'criteria'],
    ];
    for (const args of cases) {
      const r = await runCli(args, { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /scheme is not supported; use a file path, - for stdin, an http\(s\):\/\/ URL, cm:\/\/namespace\/name or s3:\/\/bucket\/key/,
      );
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(':')),
      [],
    );
  });

  it('HTTP 204, an empty body and malformed URLs are exit 2 with a plain message', async () => {
    const cases: [string, RegExp][] = [
      [`${base}/nocontent.yaml`, /the server returned no content \(HTTP 204\)/],
      [`${base}/empty.yaml`, /is empty \(HTTP 200 with an empty body\)/],
      [
        'http://[::1',
        /invalid URL for recipe: "http:\/\/\[::1" \(expected http\(s\):\/\/host\[:port\]\/path\)/,
      ],
      ['http://', /invalid URL for recipe/],
      ['https://exa mple.com/r.yaml', /invalid URL for recipe/],
    ];
    for (const [url, re] of cases) {
      const r = await runCli(['validate', '-r', url, '-s', snap]);
      assert.equal(r.code, 2, `${url}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /TypeError|fetch failed/);
    }
  });

  it('redirects: https → http, to file://, to a URL with credentials, to a malformed URL are exit 2; http → https is followed', async () => {
    const cases: [string, RegExp][] = [
      [`${tlsBase}/to-http`, /refusing a redirect from https to plain http/],
      [`${base}/to-file`, /refusing a redirect to file:\/\/\/etc\/passwd \(only http and https are read\)/],
      [`${base}/to-creds`, /refusing a redirect to a URL with credentials/],
      [`${base}/to-bad`, /redirected to a malformed URL/],
    ];
    for (const [url, re] of cases) {
      const r = await runCli(['validate', '-r', url, '-s', snap], { env: tlsEnv() });
      assert.equal(r.code, 2, `${url}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /hunter2/);
    }
    const up = await runCli(['validate', '-r', `${base}/to-https`, '-s', snap], { env: tlsEnv() });
    assert.equal(up.code, 0, up.stderr);
  });
});

describe('error labels tell the real cause', () => {
  it('a missing input is one [NOT_FOUND] label, no [INTERNAL] chain', async () => {
    const cases: string[][] = [
      ['recipe', '--snapshot', path.join(dir, 'missing.yaml')],
      ['recipe', '--criteria', path.join(dir, 'missing.yaml')],
      ['query', '--snapshot', path.join(dir, 'missing.yaml'), '--selector', 'criteria'],
      ['validate', '-r', path.join(dir, 'missing.yaml'), '-s', snap],
      ['recipe', '--service', 'eks', '--data', path.join(dir, 'no-such-dir')],
    ];
    for (const args of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      const labels = r.stderr.match(/\[[A-Z_]+\]/g) ?? [];
      assert.deepEqual(labels, ['[NOT_FOUND]'], r.stderr);
    }
  });

  it('a bad kubeconfig with binary bytes: one escaped line, no code frame', async () => {
    const kc = path.join(dir, 'bad-kubeconfig');
    writeFileSync(
      kc,
      Buffer.from([0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x0a, 0x3a, 0x20, 0x5b, 0x0a, 0xff, 0xfe, 0x0a]),
    );
    for (const [mode, flags] of MODES) {
      const r = await runCli([...flags, 'recipe', '--snapshot', 'cm://ns/snap', '--kubeconfig', kc], {
        env: { AICR_K8S_REQUEST_TIMEOUT: '3s' },
      });
      assert.notEqual(r.code, 0);
      assert.notEqual(r.code, 8, `${mode}: ${r.stderr}`);
      const lines = assertRecords(mode, r);
      if (mode === 'cli') assert.equal(lines.length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /-+\^|\b\d+ \| /, `${mode}: no code frame`);
    }
  });
});

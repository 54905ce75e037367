/**
 * `aicr validate` through the built CLI: the CI/CD flow (exit codes, --fail-on-error=false), all three
 * output formats parsed back, stdin, and recipes served by a real HTTP server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { fixturesDir } from '../helpers/paths.js';

const mockSnapshot = path.join(fixturesDir, 'mock-snapshot.yaml');

interface Entry {
  name: string;
  phase: string;
  expected: string;
  actual?: string;
  status: string;
  message: string;
}
interface Result {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  status: string;
  summary: { passed: number; failed: number; skipped: number; errors: number; total: number };
  results: Entry[];
}

let dir: string;
let recipeFile: string;
let recipeText: string;
let snap2204: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aicr-validate-'));
  recipeFile = path.join(dir, 'recipe.yaml');
  const r = await runCli([
    'recipe',
    '--service',
    'eks',
    '--accelerator',
    'h100',
    '--os',
    'ubuntu',
    '--intent',
    'training',
    '--platform',
    'kubeflow',
    '-o',
    recipeFile,
  ]);
  assert.equal(r.code, 0, r.stderr);
  recipeText = await readFile(recipeFile, 'utf8');
  snap2204 = path.join(dir, 'snapshot-22.04.yaml');
  const mock = await readFile(mockSnapshot, 'utf8');
  assert.match(mock, /VERSION_ID: "24.04"/);
  await writeFile(snap2204, mock.replace('VERSION_ID: "24.04"', 'VERSION_ID: "22.04"'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Rows of the table format: STATUS PHASE CONSTRAINT EXPECTED ACTUAL MESSAGE, plus the summary line. */
function parseTable(text: string): { rows: Record<string, string>[]; summary: string } {
  const lines = text.trimEnd().split('\n');
  const header = lines[0]!;
  const cols = ['STATUS', 'PHASE', 'CONSTRAINT', 'EXPECTED', 'ACTUAL', 'MESSAGE'];
  const starts = cols.map((c) => header.indexOf(c));
  assert.ok(
    starts.every((s, i) => s >= 0 && (i === 0 || s > starts[i - 1]!)),
    header,
  );
  const rows = lines
    .slice(1)
    .filter((l) => l !== '' && !l.startsWith('status: '))
    .map((l) =>
      Object.fromEntries(
        cols.map((c, i) => [c, l.slice(starts[i], i + 1 < cols.length ? starts[i + 1] : undefined).trim()]),
      ),
    );
  return { rows, summary: lines[lines.length - 1]! };
}

describe('aicr validate: the training recipe against the mock snapshot', () => {
  it('passes three readiness constraints, skips the kernel one, passes the deployment version: partial, exit 0', async () => {
    const r = await runCli(['validate', '--recipe', recipeFile, '--snapshot', mockSnapshot]);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout) as Result;
    assert.equal(doc.kind, 'ValidationResult');
    assert.equal(doc.apiVersion, 'aicr.nvidia.com/v1alpha1');
    assert.equal(doc.status, 'partial');
    assert.deepEqual(
      doc.results.map((e) => [e.phase, e.name, e.expected, e.actual, e.status]),
      [
        ['readiness', 'K8s.server.version', '>= 1.32.4', 'v1.33.0', 'pass'],
        ['readiness', 'OS.release.ID', 'ubuntu', 'ubuntu', 'pass'],
        ['readiness', 'OS.release.VERSION_ID', '24.04', '24.04', 'pass'],
        ['readiness', 'OS.sysctl./proc/sys/kernel/osrelease', '>= 6.8', undefined, 'skipped'],
        ['deployment', 'Deployment.gpu-operator.version', '>= v24.6.0', 'v25.10.1', 'pass'],
      ],
    );
    assert.match(doc.results[3]!.message, /subtype "sysctl" not found/);
    assert.deepEqual(doc.summary, { passed: 4, failed: 0, skipped: 1, errors: 0, total: 5 });
    assert.match(r.stderr, /validation completed: status=partial/);
  });

  it('--phase readiness checks only the top-level constraints: 3 passed, 1 skipped', async () => {
    const r = await runCli([
      'validate',
      '-r',
      recipeFile,
      '-s',
      mockSnapshot,
      '--phase',
      'readiness',
      '-t',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Result;
    assert.equal(doc.status, 'partial');
    assert.deepEqual(doc.summary, { passed: 3, failed: 0, skipped: 1, errors: 0, total: 4 });
    assert.deepEqual(doc.metadata.phases, ['readiness']);
  });

  it('VERSION_ID 22.04 fails with the actual value shown and exit 9; the result is still written', async () => {
    const out = path.join(dir, 'fail.yaml');
    const r = await runCli(['validate', '-r', recipeFile, '-s', snap2204, '-o', out]);
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /\[VALIDATION_FAILED\] validation failed: 1 of 5 constraints did not pass: OS\.release\.VERSION_ID/,
    );
    const doc = parse(await readFile(out, 'utf8')) as Result;
    assert.equal(doc.status, 'fail');
    const entry = doc.results.find((e) => e.name === 'OS.release.VERSION_ID')!;
    assert.deepEqual(
      [entry.status, entry.actual, entry.message],
      ['fail', '22.04', 'expected 24.04, got 22.04'],
    );
    assert.deepEqual(doc.summary, { passed: 3, failed: 1, skipped: 1, errors: 0, total: 5 });
  });

  it('--fail-on-error=false reports the failure and exits 0', async () => {
    for (const flag of [['--fail-on-error=false'], ['--fail-on-error', 'false']]) {
      const r = await runCli(['validate', '-r', recipeFile, '-s', snap2204, ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((parse(r.stdout) as Result).status, 'fail');
      assert.match(r.stderr, /validation failed \(ignored: --fail-on-error=false\)/);
    }
    const on = await runCli(['validate', '-r', recipeFile, '-s', snap2204, '--fail-on-error']);
    assert.equal(on.code, 9);
  });

  it('an unparsable version in an ordering comparison is an error entry (status fail, exit 9), not a crash', async () => {
    const recipe = path.join(dir, 'bad-version.yaml');
    await writeFile(
      recipe,
      'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\nconstraints:\n  - name: OS.release.ID\n    value: ">= 20.04"\n',
    );
    const r = await runCli(['validate', '-r', recipe, '-s', mockSnapshot, '-t', 'json']);
    assert.equal(r.code, 9, r.stderr);
    const doc = JSON.parse(r.stdout) as Result;
    assert.deepEqual(doc.summary, { passed: 0, failed: 0, skipped: 0, errors: 1, total: 1 });
    assert.equal(doc.results[0]!.status, 'error');
    assert.match(doc.results[0]!.message, /cannot parse actual version "ubuntu"/);
  });
});

describe('aicr validate: formats, output and stdin', () => {
  it('yaml, json and table carry the same entries', async () => {
    const yaml = await runCli([
      'validate',
      '-r',
      recipeFile,
      '-s',
      snap2204,
      '--fail-on-error=false',
      '-t',
      'yaml',
    ]);
    const json = await runCli([
      'validate',
      '-r',
      recipeFile,
      '-s',
      snap2204,
      '--fail-on-error=false',
      '--format',
      'json',
    ]);
    const table = await runCli([
      'validate',
      '-r',
      recipeFile,
      '-s',
      snap2204,
      '--fail-on-error=false',
      '-t',
      'table',
    ]);
    for (const r of [yaml, json, table]) assert.equal(r.code, 0, r.stderr);
    const fromYaml = parse(yaml.stdout) as Result;
    assert.deepEqual(JSON.parse(json.stdout), fromYaml);
    const { rows, summary } = parseTable(table.stdout);
    assert.deepEqual(
      rows.map((row) => [row.STATUS, row.PHASE, row.CONSTRAINT, row.EXPECTED, row.ACTUAL, row.MESSAGE]),
      fromYaml.results.map((e) => [
        e.status.toUpperCase(),
        e.phase,
        e.name,
        e.expected,
        e.actual ?? '-',
        e.message,
      ]),
    );
    assert.equal(summary, 'status: fail (3 passed, 1 failed, 1 skipped, 0 errors; 5 total)');
  });

  it('is deterministic and writes files atomically', async () => {
    const out = path.join(dir, 'nested', 'result.json');
    await mkdir(path.dirname(out), { recursive: true });
    const a = await runCli(['validate', '-r', recipeFile, '-s', mockSnapshot, '-o', out, '-t', 'json']);
    assert.equal(a.code, 0, a.stderr);
    const first = await readFile(out, 'utf8');
    const b = await runCli(['validate', '-r', recipeFile, '-s', mockSnapshot, '-o', out, '-t', 'json']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(await readFile(out, 'utf8'), first);
    assert.equal((JSON.parse(first) as Result).status, 'partial');
  });

  it('reads the recipe from stdin, piped from aicr recipe', async () => {
    const r = await runCli(['validate', '-r', '-', '-s', mockSnapshot, '-t', 'json'], { input: recipeText });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Result;
    assert.equal(doc.status, 'partial');
    assert.equal(doc.metadata.recipe, 'stdin');
  });

  it('reads the snapshot from stdin', async () => {
    const r = await runCli(['validate', '-r', recipeFile, '-s', '-', '-t', 'json'], {
      input: await readFile(snap2204, 'utf8'),
    });
    assert.equal(r.code, 9, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Result).summary.failed, 1);
  });
});

describe('aicr validate: input problems keep their own exit codes', () => {
  it('missing file → 3, naming it', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const r = await runCli(['validate', '-r', missing, '-s', mockSnapshot]);
    assert.equal(r.code, 3);
    assert.ok(r.stderr.includes(missing), r.stderr);
    const s = await runCli(['validate', '-r', recipeFile, '-s', missing]);
    assert.equal(s.code, 3);
    assert.match(s.stderr, /snapshot file not found/);
  });

  it('malformed constraints → 2 before anything is evaluated, naming the constraint', async () => {
    const recipe = path.join(dir, 'malformed.yaml');
    await writeFile(
      recipe,
      [
        'kind: RecipeResult',
        'apiVersion: aicr.nvidia.com/v1alpha1',
        'constraints:',
        '  - name: OS.release.ID',
        '    value: ubuntu',
        '  - name: K8s.server.version',
        '    value: ">="',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', '-r', recipe, '-s', mockSnapshot]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /"K8s\.server\.version" \(constraints\[1\]\): constraint value cannot be empty after operator/,
    );
    assert.doesNotMatch(r.stderr, /validation completed/);

    await writeFile(recipe, 'kind: RecipeResult\nconstraints:\n  - name: os.release.ID\n    value: ubuntu\n');
    const typo = await runCli(['validate', '-r', recipe, '-s', mockSnapshot]);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /"os\.release\.ID".*unknown measurement type "os"; must be one of K8s, SystemD, OS, GPU, NodeTopology/,
    );
  });

  it('bad documents and flags → 2', async () => {
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, 'kind: [unclosed\n');
    const cases: [string[], RegExp][] = [
      [['-r', broken, '-s', mockSnapshot], /invalid YAML/],
      [['-r', recipeFile, '-s', mockSnapshot, '-t', 'xml'], /unknown output format: "xml"/],
      [
        ['-r', recipeFile, '-s', mockSnapshot, '--phase', 'performance'],
        /phase "performance" is not supported yet/,
      ],
      [
        ['-r', recipeFile, '-s', mockSnapshot, '--phase', 'deployment,conformance'],
        /"conformance" is not supported yet/,
      ],
      [
        ['-r', recipeFile, '-s', mockSnapshot, '--phase', 'all'],
        /phase "all" includes performance and conformance/,
      ],
      [['-r', recipeFile, '-s', mockSnapshot, '--phase', 'readyness'], /invalid phase "readyness"/],
      [['-s', mockSnapshot], /--recipe is required/],
      [['-r', recipeFile], /--snapshot is required/],
      [['-r', recipeFile, '-r', recipeFile, '-s', mockSnapshot], /can only be specified once/],
      [['-r', '-', '-s', '-'], /cannot both read stdin/],
      [['-r', recipeFile, '-s', mockSnapshot, '--fail-on-error=maybe'], /invalid boolean "maybe"/],
      [['-r', mockSnapshot, '-s', mockSnapshot], /is a snapshot, not a recipe/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['validate', ...args], { input: '' });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
  });

  it('--phase deployment (with the upstream --no-cluster flag) evaluates both phases', async () => {
    const r = await runCli([
      'validate',
      '-r',
      recipeFile,
      '-s',
      mockSnapshot,
      '--phase',
      'deployment',
      '--no-cluster',
      '-t',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as Result).metadata.phases, ['readiness', 'deployment']);
  });
});

describe('aicr validate: HTTP(S) inputs from a real server on 127.0.0.1', () => {
  let server: Server;
  let base: string;
  const BIG = 16 * 1024 * 1024 + 1024;

  before(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/recipe.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.end(recipeText);
      } else if (url === '/moved') {
        res.writeHead(302, { location: '/recipe.yaml' });
        res.end();
      } else if (url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (url === '/slow.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.write('kind: RecipeResult\n'); // headers and a first chunk, then nothing more
        setTimeout(() => res.end(), 10_000).unref();
      } else if (url === '/big.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml', 'content-length': String(BIG) });
        res.end(Buffer.alloc(BIG, '#'));
      } else if (url === '/big-chunked.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' }); // no length: the cap applies while streaming
        const chunk = Buffer.alloc(1024 * 1024, '#');
        let sent = 0;
        const pump = () => {
          while (sent < 17) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('200: validates a served recipe, warning about plain http', async () => {
    const url = `${base}/recipe.yaml`;
    const r = await runCli(['validate', '-r', url, '-s', mockSnapshot, '-t', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Result;
    assert.equal(doc.status, 'partial');
    assert.equal(doc.metadata.recipe, url);
    assert.match(r.stderr, /plain HTTP/);
    assert.ok(r.stderr.includes(url));
  });

  it('follows a redirect, and stops a redirect loop naming the URL', async () => {
    const moved = await runCli(['validate', '-r', `${base}/moved`, '-s', mockSnapshot]);
    assert.equal(moved.code, 0, moved.stderr);
    const loop = await runCli(['validate', '-r', `${base}/loop`, '-s', mockSnapshot]);
    assert.equal(loop.code, 6);
    assert.match(loop.stderr, /too many redirects/);
    assert.ok(loop.stderr.includes(`${base}/loop`));
  });

  it('404 → exit 3 naming the URL', async () => {
    const url = `${base}/missing.yaml`;
    const r = await runCli(['validate', '-r', url, '-s', mockSnapshot]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /HTTP 404/);
    assert.ok(r.stderr.includes(url), r.stderr);
  });

  it('a slow server hits the time limit (AICR_HTTP_TIMEOUT shortens the 30 s default) → exit 5', async () => {
    const url = `${base}/slow.yaml`;
    const started = Date.now();
    const r = await runCli(['validate', '-r', url, '-s', mockSnapshot], { env: { AICR_HTTP_TIMEOUT: '1s' } });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /timed out after 1s fetching recipe/);
    assert.ok(r.stderr.includes(url));
    assert.ok(Date.now() - started < 8000);
  });

  it('an oversized body (over 16 MiB) is refused, declared or streamed → exit 2 naming the URL', async () => {
    for (const name of ['big.yaml', 'big-chunked.yaml']) {
      const url = `${base}/${name}`;
      const r = await runCli(['validate', '-r', url, '-s', mockSnapshot]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /too large/);
      assert.ok(r.stderr.includes(url), r.stderr);
    }
  });

  it('the snapshot can come from a URL too; an unreachable host → exit 6', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/snapshot.yaml`;
    const r = await runCli(['validate', '-r', recipeFile, '-s', url]);
    assert.equal(r.code, 6, r.stderr);
    assert.ok(r.stderr.includes(url), r.stderr);
  });
});

describe('aicr validate --help', () => {
  it('documents the inputs, phases, exit codes and examples', async () => {
    const r = await runCli(['validate', '--help']);
    assert.equal(r.code, 0);
    for (const s of [
      '--recipe',
      '--snapshot',
      '--phase',
      '--fail-on-error',
      '--format',
      '--output',
      'Examples:',
      '9 fail',
    ]) {
      assert.ok(r.stdout.includes(s), s);
    }
    const root = await runCli(['--help']);
    assert.match(root.stdout, /validate/);
  });
});

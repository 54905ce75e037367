/**
 * `--trace` through the built CLI against a real OTLP/HTTP receiver on 127.0.0.1 (an in-test server that
 * decodes the OTLP/JSON the `http/json` protocol sends): the span tree of snapshot, recipe (over HTTP) and
 * bundle; the endpoint and protocol from OTEL_* variables; a dead or silent endpoint neither hangs the CLI
 * nor changes its exit code; without --trace nothing of OpenTelemetry is loaded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, writeTrainingRecipe, TRAINING_CRITERIA } from '../helpers/cli.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
  events?: { name: string }[];
}
interface Span {
  traceId: string;
  spanId: string;
  parent: string;
  name: string;
  service: string;
  attrs: Record<string, string | number | boolean>;
  status: number;
  events: string[];
}

function value(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return '';
}

/** An OTLP/HTTP JSON receiver: every POST /v1/traces body decoded into flat spans. */
class Receiver {
  spans: Span[] = [];
  requests: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', headers: req.headers });
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: {
            resource?: { attributes?: { key: string; value: OtlpValue }[] };
            scopeSpans?: { spans?: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const service = String(
            value(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value ?? {}),
          );
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              this.spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parent: s.parentSpanId ?? '',
                name: s.name,
                service,
                attrs: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, value(a.value)])),
                status: s.status?.code ?? 0,
                events: (s.events ?? []).map((e) => e.name),
              });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  take(): Span[] {
    const s = this.spans;
    this.spans = [];
    this.requests = [];
    return s;
  }
}

const isRoot = (s: Span) => !s.parent || /^0+$/.test(s.parent);

let dir: string;
const rx = new Receiver();
const traceEnv = () => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-trace-'));
  await rx.start();
});
after(() => {
  rx.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--trace over OTLP/HTTP JSON', () => {
  it('snapshot: a root span with the exit code and one child per collector', async () => {
    const r = await runCli(['snapshot', '--filter', 'os', '-o', path.join(dir, 's.yaml'), '--trace'], {
      env: traceEnv(),
    });
    assert.equal(r.code, 0, r.stderr);
    const spans = rx.take();
    const root = spans.find(isRoot);
    assert.ok(root, `no root span in ${JSON.stringify(spans.map((s) => s.name))}`);
    assert.equal(root.name, 'aicr snapshot');
    assert.equal(root.service, 'aicr');
    assert.equal(root.attrs['aicr.exit_code'], 0);
    assert.equal(root.attrs['aicr.measurements'], 1);
    const os_ = spans.find((s) => s.name === 'collector OS');
    assert.ok(os_);
    assert.equal(os_.parent, root.spanId);
    assert.equal(os_.traceId, root.traceId);
    assert.equal(os_.attrs['aicr.collector'], 'OS');
    assert.equal(os_.attrs['aicr.outcome'], 'ok');
    assert.ok(Number(os_.attrs['aicr.subtypes']) >= 1);
  });

  it('recipe read over HTTP: an HTTP GET span under the root; OTEL_SERVICE_NAME names the service', async () => {
    const crit = http.createServer((_q, s) =>
      s.end(
        'kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nmetadata:\n  name: t\nspec:\n  service: eks\n  accelerator: h100\n  intent: training\n',
      ),
    );
    await new Promise<void>((r) => crit.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(crit.address() as AddressInfo).port}/criteria.yaml`;
      const r = await runCli(['recipe', '--criteria', url, '-o', path.join(dir, 'r.yaml'), '--trace'], {
        env: { ...traceEnv(), OTEL_SERVICE_NAME: 'aicr-ci' },
      });
      assert.equal(r.code, 0, r.stderr);
      const spans = rx.take();
      const root = spans.find(isRoot)!;
      assert.equal(root.name, 'aicr recipe');
      assert.equal(root.service, 'aicr-ci');
      assert.ok(Number(root.attrs['aicr.components']) > 0);
      const get = spans.find((s) => s.name === 'HTTP GET');
      assert.ok(get, JSON.stringify(spans.map((s) => s.name)));
      assert.equal(get.parent, root.spanId);
      assert.equal(get.attrs['http.response.status_code'], 200);
      assert.equal(get.attrs['url.full'], url);
      assert.ok(Number(get.attrs['aicr.bytes']) > 50);
    } finally {
      crit.close();
    }
  });

  it('bundle: one span per component with files and bytes', async () => {
    const recipe = path.join(dir, 'br.yaml');
    await writeTrainingRecipe(recipe);
    const r = await runCli(['bundle', '-r', recipe, '-o', path.join(dir, 'bundle'), '--trace'], {
      env: traceEnv(),
    });
    assert.equal(r.code, 0, r.stderr);
    const spans = rx.take();
    const root = spans.find(isRoot)!;
    assert.equal(root.name, 'aicr bundle');
    const comps = spans.filter((s) => s.name.startsWith('component '));
    assert.equal(comps.length, root.attrs['aicr.components']);
    assert.ok(comps.length > 3);
    for (const c of comps) {
      assert.equal(c.parent, root.spanId);
      assert.equal(c.name, `component ${c.attrs['aicr.component']}`);
      assert.ok(Number(c.attrs['aicr.files']) >= 1 && Number(c.attrs['aicr.bytes']) > 0, c.name);
    }
  });

  it('a failing command: exit code and error recorded on the root span', async () => {
    const r = await runCli(
      ['validate', '-r', path.join(dir, 'missing.yaml'), '-s', path.join(dir, 'nope.yaml'), '--trace'],
      {
        env: traceEnv(),
      },
    );
    assert.equal(r.code, 3, r.stderr);
    const root = rx.take().find(isRoot)!;
    assert.equal(root.name, 'aicr validate');
    assert.equal(root.attrs['aicr.exit_code'], 3);
    assert.equal(root.status, 2); // STATUS_CODE_ERROR
    assert.ok(root.events.includes('exception'));
  });

  it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; --trace-endpoint wins and implies --trace', async () => {
    const out = path.join(dir, 'e.yaml');
    let r = await runCli(['snapshot', '--filter', 'os', '-o', out, '--trace'], {
      env: {
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/custom/path`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=team-a',
      },
    });
    assert.equal(r.code, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual([...new Set(rx.requests.map((q) => q.path))], ['/custom/path']);
    assert.equal(rx.requests[0].headers['x-tenant'], 'team-a');
    rx.take();
    r = await runCli(['snapshot', '--filter', 'os', '-o', out, '--trace-endpoint', rx.url], {
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(rx.requests.map((q) => q.path))], ['/v1/traces']);
    assert.ok(rx.take().some((s) => s.name === 'aicr snapshot'));
  });

  it('an unsupported protocol or endpoint is exit 2 naming the variable or flag', async () => {
    let r = await runCli(['version', '--trace'], { env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' } });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /OTEL_EXPORTER_OTLP_PROTOCOL: unsupported protocol "thrift"; allowed: grpc, http\/protobuf, http\/json/,
    );
    r = await runCli(['version', '--trace-endpoint', 'ftp://x:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--trace-endpoint: unsupported scheme/);
  });
});

describe('--trace with an endpoint that is down or silent', () => {
  for (const protocol of ['grpc', 'http/protobuf']) {
    it(`${protocol}: nothing listening - same output and exit code, warned, bounded`, async () => {
      const port = await new Promise<number>((r) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as AddressInfo).port;
          s.close(() => r(p));
        });
      });
      const started = Date.now();
      const r = await runCli(['validate', '-r', path.join(dir, 'missing.yaml'), '-s', 'x.yaml', '--trace'], {
        env: {
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        },
      });
      assert.equal(r.code, 3);
      assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
      assert.match(r.stderr, /tracing \(/);
    });
  }

  it('a server that accepts and never answers: the flush gives up within its bound', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const r = await runCli(['snapshot', '--filter', 'os', '-o', path.join(dir, 'q.yaml'), '--trace'], {
        env: {
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        },
        timeoutMs: 30_000,
      });
      const ms = Date.now() - started;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(ms < 8000, `took ${ms} ms`);
      assert.ok(sockets.length >= 1, 'the exporter never connected');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe('zero cost without --trace', () => {
  it('no OpenTelemetry (nor prom-client) module is loaded by a command run without --trace', async () => {
    const hook = path.join(dir, 'modules.cjs');
    const list = path.join(dir, 'modules.txt');
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, Object.keys(require.cache).join('\\n')));\n`,
    );
    for (const args of [
      ['recipe', ...TRAINING_CRITERIA, '-o', path.join(dir, 'z.yaml')],
      ['snapshot', '--filter', 'os', '-o', path.join(dir, 'z2.yaml')],
    ]) {
      const r = await runCli(args, { env: { NODE_OPTIONS: `--require ${hook}` } });
      assert.equal(r.code, 0, r.stderr);
      const loaded = (await import('node:fs')).readFileSync(list, 'utf8');
      assert.ok(loaded.includes('aicr-main.cjs') || loaded.length > 0);
      assert.doesNotMatch(loaded, /@opentelemetry|prom-client|grpc-js/);
    }
    // The same probe sees OpenTelemetry when --trace is given (the check above can fail).
    const r = await runCli(['snapshot', '--filter', 'os', '-o', path.join(dir, 'z3.yaml'), '--trace'], {
      env: { NODE_OPTIONS: `--require ${hook}`, ...traceEnv() },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match((await import('node:fs')).readFileSync(list, 'utf8'), /@opentelemetry[\\/]sdk-trace/);
    rx.take();
  });
});

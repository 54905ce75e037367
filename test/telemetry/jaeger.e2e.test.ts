/**
 * `--trace` against a real Jaeger (v2, the OpenTelemetry-collector-based binary, built by
 * scripts/tools/install.sh jaeger) on 127.0.0.1: OTLP gRPC and HTTP receivers, in-memory storage, query
 * API, all on free ports. snapshot, recipe and bundle run with --trace over gRPC and over HTTP/protobuf;
 * the span trees are read back through Jaeger's query API (/api/traces?service=…).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli, writeTrainingRecipe, TRAINING_CRITERIA } from '../helpers/cli.js';
import { findTool, toolSkipReason } from '../helpers/tools.js';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; spanID: string }[];
  tags?: { key: string; value: unknown }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const skip = toolSkipReason('jaeger');

describe('--trace into a real Jaeger', { skip }, () => {
  let dir: string;
  let jaeger: ChildProcess | undefined;
  let logs = '';
  let otlpGrpc = 0;
  let otlpHttp = 0;
  let query = '';
  let recipe = '';

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-jaeger-'));
    const [grpcPort, httpPort, queryHttp, queryGrpc] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    otlpGrpc = grpcPort;
    otlpHttp = httpPort;
    query = `http://127.0.0.1:${queryHttp}`;
    const config = path.join(dir, 'jaeger.yaml');
    writeFileSync(
      config,
      `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
    http:
      endpoint: 127.0.0.1:${queryHttp}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
    );
    jaeger = spawn(findTool('jaeger')!, ['--config', `file:${config}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    jaeger.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    jaeger.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await fetch(`${query}/api/services`);
        if (res.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline || jaeger.exitCode !== null)
        throw new Error(`jaeger did not start:\n${logs}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    recipe = path.join(dir, 'recipe.yaml');
    await writeTrainingRecipe(recipe);
  });

  after(() => {
    jaeger?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The service's traces, polled until `n` are stored. */
  async function traces(service: string, n: number): Promise<JaegerTrace[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(
        `${query}/api/traces?service=${encodeURIComponent(service)}&limit=100&lookback=1h`,
      );
      const body = res.ok ? ((await res.json()) as { data?: JaegerTrace[] }) : { data: [] };
      const data = body.data ?? [];
      if (data.length >= n) return data;
      if (Date.now() > deadline) {
        throw new Error(
          `${data.length} of ${n} traces for ${service} after 20s (HTTP ${res.status})\n${logs}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const tag = (s: JaegerSpan, k: string) => s.tags?.find((t) => t.key === k)?.value;
  const parentOf = (s: JaegerSpan) => s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;

  for (const [protocol, service] of [
    ['grpc', 'aicr'],
    ['http/protobuf', 'aicr-http'],
  ] as const) {
    it(`snapshot, recipe and bundle over ${protocol}: one trace each, children under the command span`, async () => {
      const env = {
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${protocol === 'grpc' ? otlpGrpc : otlpHttp}`,
        ...(service === 'aicr' ? {} : { OTEL_SERVICE_NAME: service }),
      };
      const out = path.join(dir, protocol.replace('/', '-'));
      for (const args of [
        ['snapshot', '--filter', 'os', '-o', `${out}-snap.yaml`],
        ['recipe', ...TRAINING_CRITERIA, '-o', `${out}-recipe.yaml`],
        ['bundle', '-r', recipe, '-o', `${out}-bundle`],
      ]) {
        const r = await runCli([...args, '--trace'], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /tracing \(/, 'the exporter reported a problem');
      }
      const all = await traces(service, 3);
      const byRoot = new Map<string, JaegerTrace>();
      for (const t of all) {
        const root = t.spans.find((s) => !parentOf(s));
        assert.ok(root, `trace ${t.traceID} has no root span`);
        assert.equal(t.processes[root.processID].serviceName, service);
        byRoot.set(root.operationName, t);
      }
      assert.deepEqual([...byRoot.keys()].sort(), ['aicr bundle', 'aicr recipe', 'aicr snapshot']);

      const snap = byRoot.get('aicr snapshot')!;
      const snapRoot = snap.spans.find((s) => !parentOf(s))!;
      assert.equal(tag(snapRoot, 'aicr.exit_code'), 0);
      const collector = snap.spans.find((s) => s.operationName === 'collector OS');
      assert.ok(collector, JSON.stringify(snap.spans.map((s) => s.operationName)));
      assert.equal(parentOf(collector), snapRoot.spanID);
      assert.equal(tag(collector, 'aicr.outcome'), 'ok');

      const recipeRoot = byRoot.get('aicr recipe')!.spans.find((s) => !parentOf(s))!;
      assert.ok(Number(tag(recipeRoot, 'aicr.components')) > 0);

      const bundle = byRoot.get('aicr bundle')!;
      const bundleRoot = bundle.spans.find((s) => !parentOf(s))!;
      const components = bundle.spans.filter((s) => s.operationName.startsWith('component '));
      assert.equal(components.length, Number(tag(bundleRoot, 'aicr.components')));
      for (const c of components) {
        assert.equal(parentOf(c), bundleRoot.spanID);
        assert.ok(Number(tag(c, 'aicr.bytes')) > 0);
      }
    });
  }
});

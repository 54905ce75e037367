/**
 * The OpenTelemetry backend of the tracing facade (src/telemetry/trace.ts), loaded only for `--trace`:
 * a BasicTracerProvider with a batch processor and the OTLP exporter for the configured protocol (gRPC,
 * HTTP/protobuf or HTTP/JSON). Parent/child relations follow the async call chain (AsyncLocalStorage);
 * spans started outside any span are children of the command's root span.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context as otelContext,
  diag,
  DiagLogLevel,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Attrs, TraceBackend, TraceConfig } from './types.js';
import { importExternal } from '../util/dynamic-import.js';

function clean(attrs: Attrs): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function recordError(s: Span, err: unknown, outcome = 'error'): void {
  const e = err instanceof Error ? err : new Error(String(err));
  s.recordException(e);
  s.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  s.setAttribute('aicr.outcome', outcome);
}

/** The SDK span's attributes (to keep an outcome set inside the span). */
function hasOutcome(s: Span): boolean {
  return (
    (s as unknown as { attributes?: Record<string, unknown> }).attributes?.['aicr.outcome'] !== undefined
  );
}

const EXPORTERS = {
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
} as const;

type ExporterClass = new (config: { url: string; timeoutMillis: number }) => SpanExporter;

/** The protocol's OTLP exporter; only that one package (gRPC pulls in @grpc/grpc-js) is loaded. */
async function exporterFor(cfg: TraceConfig): Promise<SpanExporter> {
  // Through the launcher's import(): a bare import() has no loader inside the bundle's vm.Script.
  const mod = await importExternal<{
    OTLPTraceExporter?: ExporterClass;
    default?: { OTLPTraceExporter?: ExporterClass };
  }>(EXPORTERS[cfg.protocol]);
  const Exporter = mod.OTLPTraceExporter ?? mod.default?.OTLPTraceExporter;
  if (!Exporter) throw new Error(`${EXPORTERS[cfg.protocol]} has no OTLPTraceExporter`);
  return new Exporter({ url: cfg.url, timeoutMillis: cfg.flushTimeoutMs });
}

export async function createBackend(cfg: TraceConfig): Promise<TraceBackend> {
  if (cfg.onDiagnostic) {
    const say = cfg.onDiagnostic;
    diag.setLogger(
      {
        error: (m: string) => say(`otel: ${m}`),
        warn: (m: string) => say(`otel: ${m}`),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.WARN,
    );
  }
  const exporter = await exporterFor(cfg);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: cfg.serviceName,
      ...clean(cfg.rootAttrs.version !== undefined ? { [ATTR_SERVICE_VERSION]: cfg.rootAttrs.version } : {}),
    }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: 500,
        exportTimeoutMillis: cfg.flushTimeoutMs,
        maxQueueSize: 8192,
        maxExportBatchSize: 512,
      }),
    ],
  });
  const tracer: Tracer = provider.getTracer('aicr');
  const root = tracer.startSpan(cfg.rootName, {
    attributes: clean(cfg.rootAttrs),
    root: true,
  });
  const current = new AsyncLocalStorage<Span>();

  return {
    span<T>(name: string, attrs: Attrs, fn: () => T): T {
      const parent = current.getStore() ?? root;
      const s = tracer.startSpan(
        name,
        { attributes: clean(attrs) },
        trace.setSpan(otelContext.active(), parent),
      );
      const ok = () => {
        if (!hasOutcome(s)) s.setAttribute('aicr.outcome', 'ok');
        s.end();
      };
      const fail = (err: unknown) => {
        recordError(s, err);
        s.end();
      };
      let result: T;
      try {
        result = current.run(s, fn);
      } catch (err) {
        fail(err);
        throw err;
      }
      if (isThenable(result)) {
        return result.then(
          (v) => {
            ok();
            return v;
          },
          (err: unknown) => {
            fail(err);
            throw err;
          },
        ) as T;
      }
      ok();
      return result;
    },
    setAttrs(attrs: Attrs): void {
      (current.getStore() ?? root).setAttributes(clean(attrs));
    },
    recordError(err: unknown, outcome: string): void {
      recordError(current.getStore() ?? root, err, outcome);
    },
    async finish(exitCode: number, err?: unknown): Promise<void> {
      root.setAttribute('aicr.exit_code', exitCode);
      if (err !== undefined) recordError(root, err);
      else root.setAttribute('aicr.outcome', exitCode === 0 ? 'ok' : 'error');
      if (exitCode !== 0 && err === undefined) root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, cfg.flushTimeoutMs + 500);
        timer.unref();
      });
      const flushed = provider.shutdown().catch((e: unknown) => {
        cfg.onDiagnostic?.(`otel: export failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      await Promise.race([flushed, bounded]);
      clearTimeout(timer);
    },
  };
}

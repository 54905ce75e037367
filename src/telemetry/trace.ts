/**
 * The tracing facade: `span(name, attrs, fn)` and `setAttrs(attrs)`. With tracing off (no `--trace`) a span
 * is just `fn()` and `setAttrs` does nothing: nothing of OpenTelemetry is loaded, no object is allocated
 * beyond the attribute literal. `startTracing` (called for `--trace` only) imports the OpenTelemetry
 * backend (src/telemetry/otel.ts, bundled separately and loaded from node_modules) and from then on every
 * span is recorded and exported over OTLP; `stopTracing` ends the command's root span and flushes with a
 * bounded wait. Failures of the backend or the exporter never change what the command does or its exit code.
 */
import type { Attrs, TraceBackend, TraceConfig } from './types.js';

export type { Attrs, AttrValue, TraceBackend, TraceConfig } from './types.js';

let backend: TraceBackend | undefined;

/** True while spans are being recorded (after `startTracing`). */
export function tracing(): boolean {
  return backend !== undefined;
}

/**
 * Runs `fn` inside a span (a child of the current one). `fn`'s result is returned as it is; a thrown error
 * or rejected promise is recorded on the span (status ERROR) and passed on unchanged.
 */
export function span<T>(name: string, attrs: Attrs, fn: () => T): T {
  return backend ? backend.span(name, attrs, fn) : fn();
}

/** Adds attributes to the current span (bytes, counts, outcome, …); nothing when tracing is off. */
export function setAttrs(attrs: Attrs): void {
  backend?.setAttrs(attrs);
}

/**
 * Records an error the code handles (a collector skipped, a component failing) on the current span: an
 * exception event, status ERROR and `aicr.outcome` (default `error`).
 */
export function recordError(err: unknown, outcome = 'error'): void {
  backend?.recordError(err, outcome);
}

/** Loads OpenTelemetry and starts the root span. A backend that cannot load is a diagnostic, not a failure. */
export async function startTracing(cfg: TraceConfig, load = loadBackend): Promise<void> {
  try {
    backend = await load(cfg);
  } catch (err) {
    cfg.onDiagnostic?.(`tracing disabled: ${err instanceof Error ? err.message : String(err)}`);
    backend = undefined;
  }
}

/** Ends the root span and flushes (bounded); tracing is off afterwards. Never throws. */
export async function stopTracing(exitCode: number, err?: unknown): Promise<void> {
  const b = backend;
  backend = undefined;
  if (!b) return;
  try {
    await b.finish(exitCode, err);
  } catch {
    // A failing exporter never changes the command's outcome.
  }
}

async function loadBackend(cfg: TraceConfig): Promise<TraceBackend> {
  // A lazily initialised module of the bundle; the OpenTelemetry packages it requires are external to
  // the bundle (scripts/build.mjs) and load from node_modules only now.
  return (await import('./otel.js')).createBackend(cfg);
}

/** Types shared by the tracing facade (trace.ts) and its OpenTelemetry backend (otel.ts). */
export type AttrValue = string | number | boolean | undefined;
export type Attrs = Record<string, AttrValue>;

/** Where and how spans go: resolved from the flags and the standard OTEL_* variables (src/util/env.ts). */
export interface TraceConfig {
  /** `grpc`, `http/protobuf` or `http/json`. */
  protocol: 'grpc' | 'http/protobuf' | 'http/json';
  /** Full traces endpoint: `http://host:4317` (gRPC) or `http://host:4318/v1/traces` (HTTP). */
  url: string;
  serviceName: string;
  /** The root span's name (`aicr snapshot`). */
  rootName: string;
  rootAttrs: Attrs;
  /** Bounded wait for the final flush (milliseconds). */
  flushTimeoutMs: number;
  /** Diagnostic lines (exporter failures); `--debug` shows them. */
  onDiagnostic?: (line: string) => void;
}

/** What the OpenTelemetry backend module implements (src/telemetry/otel.ts). */
export interface TraceBackend {
  span<T>(name: string, attrs: Attrs, fn: () => T): T;
  setAttrs(attrs: Attrs): void;
  recordError(err: unknown, outcome: string): void;
  /** Ends the root span with the exit code (and error) and flushes, within the bounded wait. */
  finish(exitCode: number, err?: unknown): Promise<void>;
}

/**
 * Where `--trace` sends spans: `--trace-endpoint`, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is),
 * else OTEL_EXPORTER_OTLP_ENDPOINT (HTTP: `/v1/traces` appended), else localhost:4317 (gRPC) or
 * localhost:4318/v1/traces (HTTP). The protocol: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
 * OTEL_EXPORTER_OTLP_PROTOCOL, else `grpc`. Service name: OTEL_SERVICE_NAME, else `aicr`.
 */
import { invalid } from '../errors/index.js';
import type { OtelEnv } from '../util/env.js';
import type { TraceConfig } from './types.js';

export const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
export const DEFAULT_TRACE_ENDPOINT = 'localhost:4317';
export const FLUSH_TIMEOUT_MS = 2000;

function parseUrl(raw: string, source: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw invalid(`${source}: invalid endpoint "${raw}"; expected host:port or an http(s):// URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw invalid(`${source}: unsupported scheme "${u.protocol}" in "${raw}"; use http:// or https://`);
  }
  if (u.username || u.password) {
    throw invalid(`${source}: credentials in the endpoint URL are refused; use OTEL_EXPORTER_OTLP_HEADERS`);
  }
  return u;
}

/** The resolved exporter settings (without the root span, which root.ts fills in). */
export function resolveTraceTarget(
  flagEndpoint: string | undefined,
  env: OtelEnv,
): Pick<TraceConfig, 'protocol' | 'url' | 'serviceName'> {
  const rawProtocol = env.tracesProtocol ?? env.protocol ?? 'grpc';
  const protocolVar = env.tracesProtocol
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = PROTOCOLS.find((p) => p === rawProtocol);
  if (!protocol) {
    throw invalid(
      `environment variable ${protocolVar}: unsupported protocol "${rawProtocol}"; allowed: ${PROTOCOLS.join(', ')}`,
    );
  }
  const http = protocol !== 'grpc';
  const withPath = (u: URL): string => {
    if (http && (u.pathname === '' || u.pathname === '/')) u.pathname = '/v1/traces';
    return http ? u.href : u.href.replace(/\/$/, '');
  };
  let url: string;
  if (flagEndpoint !== undefined) {
    url = withPath(parseUrl(flagEndpoint, '--trace-endpoint'));
  } else if (env.tracesEndpoint) {
    url = parseUrl(env.tracesEndpoint, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT').href;
    if (!http) url = url.replace(/\/$/, '');
  } else if (env.endpoint) {
    const u = parseUrl(env.endpoint, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (http) u.pathname = `${u.pathname.replace(/\/$/, '')}/v1/traces`;
    url = http ? u.href : u.href.replace(/\/$/, '');
  } else {
    url = http ? 'http://localhost:4318/v1/traces' : `http://${DEFAULT_TRACE_ENDPOINT}`;
  }
  return { protocol, url, serviceName: env.serviceName ?? 'aicr' };
}

/**
 * Every AICR_* environment variable aicr reads, in one typed module, each parsed one way.
 *
 * | variable | type | used by |
 * |---|---|---|
 * | AICR_DEBUG, AICR_LOG_JSON | boolean (Go syntax: 1/t/true/…, 0/f/false/…; empty = false) | logging, `--debug` |
 * | AICR_LOG_PREFIX | string (default `cli`) | log line prefix (the agent Job sets `agent`) |
 * | AICR_AGENT_MODE | exactly `true` (as the reference) | `aicr snapshot` inside the agent Job |
 * | AICR_MAX_NODES_PER_ENTRY | integer >= 0 | `aicr snapshot` when the flag is absent |
 * | AICR_K8S_REQUEST_TIMEOUT | duration; 0 or unset = default | every Kubernetes API call, exec credential plugins |
 * | AICR_HTTP_TIMEOUT | duration, bare number = seconds, > 0 | http(s) inputs |
 * | AICR_CODE_CACHE_WARMUP | JSON list of argument lists | build-time code-cache warm-up only |
 * | AICR_OS_ROOT | path (unset = `/`) | the OS collector and `snapshot --watch` read os-release, /proc, /etc under it |
 * | AICR_OPA | path of the `opa` binary (unset = `opa` on PATH) | `aicr validate --policy` when `--opa` is absent |
 * | AICR_CONFIG | path or http(s) URL | the configuration file (instead of `$XDG_CONFIG_HOME/aicr/config.yaml`), docs/config.md |
 * | NO_COLOR | set = no colors | logging |
 * | OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, OTEL_SERVICE_NAME | standard OpenTelemetry | `--trace` (otelFromEnv; docs/observability.md) |
 *
 * Flags with an environment source (`AICR_NAMESPACE`, `AICR_IMAGE`, `AICR_REQUIRE_GPU`,
 * `AICR_RUNTIME_CLASS`) are declared on their option in src/cli and read by the flag parser. Standard
 * variables (PATH, HOME, KUBECONFIG, NODE_NAME, …) are passed on as an environment object.
 * A malformed value is INVALID_REQUEST (exit 2) naming the variable.
 */
import { AicrError, invalid } from '../errors/index.js';
import { boolWord } from './bool.js';
import { parseDuration } from './duration.js';

export type Env = NodeJS.ProcessEnv;

/** Go-syntax boolean; unset or empty is false. */
export function envBool(name: string, env: Env = process.env): boolean {
  const v = env[name];
  if (v === undefined || v === '') return false;
  const b = boolWord(v);
  if (b === undefined) {
    throw new AicrError(
      'INVALID_REQUEST',
      `could not parse "${v}" as bool value from environment variable "${name}"`,
      invalid(`invalid boolean "${v}" for environment variable ${name}: use true or false`),
    );
  }
  return b;
}

export const debugFromEnv = (env: Env = process.env): boolean => envBool('AICR_DEBUG', env);
export const logJsonFromEnv = (env: Env = process.env): boolean => envBool('AICR_LOG_JSON', env);
export const logPrefixFromEnv = (env: Env = process.env): string => env.AICR_LOG_PREFIX || 'cli';
export const noColorFromEnv = (env: Env = process.env): boolean => !!env.NO_COLOR;
/** Root the OS collector reads under (a host mounted elsewhere, tests); undefined = `/`. */
export const osRootFromEnv = (env: Env = process.env): string | undefined => env.AICR_OS_ROOT || undefined;
export const agentModeFromEnv = (env: Env = process.env): boolean => env.AICR_AGENT_MODE === 'true';
export const codeCacheWarmupFromEnv = (env: Env = process.env): string | undefined =>
  env.AICR_CODE_CACHE_WARMUP || undefined;

/** AICR_MAX_NODES_PER_ENTRY: an integer >= 0, undefined when unset or empty. */
export function maxNodesPerEntryFromEnv(env: Env = process.env): number | undefined {
  const v = env.AICR_MAX_NODES_PER_ENTRY?.trim();
  if (!v) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw invalid(
      `invalid value "${v}" for --max-nodes-per-entry (env AICR_MAX_NODES_PER_ENTRY): expected an integer >= 0`,
    );
  }
  return Number(v);
}

/** AICR_K8S_REQUEST_TIMEOUT in ms; undefined when unset, empty or 0 (the caller's default applies). */
export function k8sRequestTimeoutFromEnv(env: Env = process.env): number | undefined {
  const v = env.AICR_K8S_REQUEST_TIMEOUT;
  if (!v) return undefined;
  return parseDuration(v, 'environment variable AICR_K8S_REQUEST_TIMEOUT') || undefined;
}

export const HTTP_TIMEOUT_ENV = 'AICR_HTTP_TIMEOUT';

/** AICR_HTTP_TIMEOUT in ms (a bare number is seconds; must be > 0); undefined when unset. */
export function httpTimeoutFromEnv(env: Env = process.env): number | undefined {
  const raw = env[HTTP_TIMEOUT_ENV]?.trim();
  if (!raw) return undefined;
  return parseDuration(raw, `environment variable ${HTTP_TIMEOUT_ENV}`, {
    bareSeconds: true,
    positive: true,
    hint: '(e.g. 500ms, 10s or 2m; default 30s)',
  });
}

/** AICR_OPA: the `opa` binary `validate --policy` runs when `--opa` is absent; undefined = look on PATH. */
export const opaFromEnv = (env: Env = process.env): string | undefined => env.AICR_OPA || undefined;
/**
 * The standard OpenTelemetry exporter variables `--trace` honours (OTLP exporter specification); the
 * exporters themselves also read OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, _INSECURE, _CERTIFICATE, _COMPRESSION.
 */
export interface OtelEnv {
  endpoint?: string;
  tracesEndpoint?: string;
  protocol?: string;
  tracesProtocol?: string;
  serviceName?: string;
}

export function otelFromEnv(env: Env = process.env): OtelEnv {
  const get = (k: string) => env[k]?.trim() || undefined;
  return {
    endpoint: get('OTEL_EXPORTER_OTLP_ENDPOINT'),
    tracesEndpoint: get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
    protocol: get('OTEL_EXPORTER_OTLP_PROTOCOL'),
    tracesProtocol: get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'),
    serviceName: get('OTEL_SERVICE_NAME'),
  };
}

/** AICR_CONFIG: the configuration file read when no --config is given (instead of the per-user default). */
export const configFileFromEnv = (env: Env = process.env): string | undefined => env.AICR_CONFIG || undefined;

/**
 * The value of the environment variable an option declares (`AICR_NAMESPACE` for --namespace …), for
 * `aicr config view`; only AICR_* names are read.
 */
export function optionEnvValue(name: string, env: Env = process.env): string | undefined {
  return name.startsWith('AICR_') ? env[name] : undefined;
}

/**
 * The S3 endpoint of an S3-compatible store from the standard AWS variables (`AWS_ENDPOINT_URL_S3`,
 * then `AWS_ENDPOINT_URL`); undefined for AWS itself.
 */
export function s3EndpointFromEnv(env: Env = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
}

/** `$XDG_CACHE_HOME` (absolute paths only, as the XDG spec says) or `~/.cache`; undefined without HOME. */
export function userCacheDir(env: Env = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && xdg.startsWith('/')) return xdg;
  const home = env.HOME?.trim();
  return home ? `${home.replace(/\/+$/, '')}/.cache` : undefined;
}

/**
 * Kubernetes API failures → structured errors with the exit code that classifies the cause:
 * not found → 3, forbidden/unauthorized → 4 (naming the verb and resource that is missing),
 * timeout → 5, API server unreachable or failing → 6. Every message names the API server.
 */
import { AicrError, type ErrorCode } from '../errors/index.js';
import { apiStatus, describeApiError } from './client.js';

export interface ApiCallContext {
  /** RBAC verb of the call: get, list, create, update, patch, delete. */
  verb: string;
  /** Resource as RBAC names it: `configmaps`, `jobs.batch`, `pods/log`. */
  resource: string;
  namespace?: string;
  name?: string;
  /** API server URL. */
  server: string;
  /** What the call was about, for messages (default `<resource> <namespace>/<name>`). */
  what?: string;
  /** Per-call deadline: when it has fired, an abort is a timeout. */
  deadline?: AbortSignal;
  /** The deadline in milliseconds, for the message. */
  timeoutMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'EPIPE',
  'EPROTO',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    const errno = (cur as { errno?: unknown }).errno;
    if (typeof errno === 'string') return errno;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error is a transport failure (no HTTP answer). */
export function isNetworkError(err: unknown): boolean {
  if (apiStatus(err) !== undefined) return false;
  const code = errCode(err);
  if (code && NETWORK_CODES.has(code)) return true;
  const msg = err instanceof Error ? err.message : String(err);
  return /connect|ECONNREFUSED|ENOTFOUND|socket hang up|network|unreachable|TLS|certificate/i.test(msg);
}

export function isAbortError(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  const type = (err as { type?: unknown })?.type;
  return name === 'AbortError' || type === 'aborted' || (err as { code?: unknown })?.code === 'ABORT_ERR';
}

export function isConflict(err: unknown): boolean {
  return apiStatus(err) === 409;
}

/** 409 with reason AlreadyExists (create of an existing object). */
export function isAlreadyExists(err: unknown): boolean {
  if (apiStatus(err) !== 409) return false;
  return /AlreadyExists|already exists/i.test(describeApiError(err));
}

export function isNotFound(err: unknown): boolean {
  return apiStatus(err) === 404;
}

function scope(ctx: ApiCallContext): string {
  return ctx.namespace !== undefined ? `in namespace "${ctx.namespace}"` : '(cluster-scoped)';
}

function whatOf(ctx: ApiCallContext): string {
  if (ctx.what) return ctx.what;
  const id = ctx.namespace !== undefined && ctx.name ? `${ctx.namespace}/${ctx.name}` : (ctx.name ?? '');
  return id ? `${ctx.resource} ${id}` : ctx.resource;
}

/** Cause text without the library's multi-line exception dump. */
class ApiCause extends Error {
  constructor(text: string) {
    super(text);
    this.name = 'ApiCause';
  }
}

/** Maps a failed API call to an AicrError whose code classifies the cause. */
export function apiError(err: unknown, ctx: ApiCallContext): AicrError {
  if (err instanceof AicrError) return err;
  const what = whatOf(ctx);
  const status = apiStatus(err);
  const cause = new ApiCause(describeApiError(err));
  const mk = (code: ErrorCode, msg: string) => new AicrError(code, msg, cause);
  if (status === undefined) {
    if (isAbortError(err) && ctx.deadline?.aborted) {
      const secs = ctx.timeoutMs !== undefined ? ` after ${ctx.timeoutMs / 1000}s` : '';
      return new AicrError(
        'TIMEOUT',
        `timed out${secs} waiting for the Kubernetes API server ${ctx.server} to ${ctx.verb} ${what}`,
      );
    }
    if (isAbortError(err)) {
      return new AicrError('INTERNAL', `interrupted while trying to ${ctx.verb} ${what} on ${ctx.server}`);
    }
    if (isNetworkError(err)) {
      return mk(
        'SERVICE_UNAVAILABLE',
        `cannot reach Kubernetes API server ${ctx.server} to ${ctx.verb} ${what} (check the kubeconfig's server address, VPN and firewall)`,
      );
    }
    // The server answered, but not in a way the client understood (e.g. an empty HTTP 204): not a
    // network problem, so no advice about VPNs and firewalls.
    return mk(
      'INTERNAL',
      `unexpected answer from the Kubernetes API server ${ctx.server} to ${ctx.verb} ${what}`,
    );
  }
  switch (status) {
    case 404:
      return mk('NOT_FOUND', `${what} not found on ${ctx.server}`);
    case 401:
      return mk(
        'UNAUTHORIZED',
        `the Kubernetes API server ${ctx.server} rejected the credentials while trying to ${ctx.verb} ${what}; check the kubeconfig's user (token or certificate may have expired)`,
      );
    case 403:
      return mk(
        'UNAUTHORIZED',
        `forbidden: permission "${ctx.verb}" on "${ctx.resource}" ${scope(ctx)} is missing on ${ctx.server} (needed to ${ctx.verb} ${what}); ask a cluster admin to grant it (see docs/kubernetes.md)`,
      );
    case 408:
    case 504:
      return mk('TIMEOUT', `the Kubernetes API server ${ctx.server} timed out trying to ${ctx.verb} ${what}`);
    case 429:
      return mk(
        'RATE_LIMIT_EXCEEDED',
        `the Kubernetes API server ${ctx.server} is throttling requests (HTTP 429) to ${ctx.verb} ${what}; try again later`,
      );
    case 400:
    case 413:
    case 422:
      return mk('INVALID_REQUEST', `the Kubernetes API server ${ctx.server} rejected ${ctx.verb} ${what}`);
    case 409:
      return mk('INTERNAL', `conflict trying to ${ctx.verb} ${what} on ${ctx.server}`);
    default:
      if (status >= 500) {
        return mk(
          'SERVICE_UNAVAILABLE',
          `the Kubernetes API server ${ctx.server} failed to ${ctx.verb} ${what} (HTTP ${status})`,
        );
      }
      return mk('INTERNAL', `unexpected answer from ${ctx.server} to ${ctx.verb} ${what} (HTTP ${status})`);
  }
}

/** A signal that fires after `ms` or when `parent` fires; `deadline` is the timer part alone. */
export function callSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; deadline: AbortSignal } {
  const deadline = AbortSignal.timeout(ms);
  return { signal: parent ? AbortSignal.any([parent, deadline]) : deadline, deadline };
}

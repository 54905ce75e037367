/**
 * The one Kubernetes API call wrapper: every call gets a fresh client with its own deadline (30 s, or env
 * AICR_K8S_REQUEST_TIMEOUT as a Go duration), honours the caller's interrupt signal, and maps failures to
 * AicrErrors whose exit code classifies the cause (src/k8s/errors.ts). Used by the snapshot agent
 * (src/k8s/agent/), fleet runs (src/k8s/fleet.ts) and the ConfigMap store (src/k8s/configmap.ts).
 */
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError } from '../errors/index.js';
import { type LoadedKubeConfig, makeApiClient } from './client.js';
import { type ApiCallContext, apiError, callSignal, isAbortError } from './errors.js';
import { k8sRequestTimeoutFromEnv, type Env } from '../util/env.js';
import { span } from '../telemetry/trace.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Per-call deadline from AICR_K8S_REQUEST_TIMEOUT (Go duration), else 30 s. */
export function requestTimeoutFromEnv(env?: Env): number {
  return k8sRequestTimeoutFromEnv(env) ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

/** Ctrl-C (or another abort of the run's signal): cleanup has run; the CLI exits 130. */
export class InterruptedError extends AicrError {
  constructor(what: string) {
    super('INTERNAL', `interrupted while ${what}`);
    this.name = 'InterruptedError';
  }
}

export type Api<T> = new (config: K8sModule.Configuration) => T;
export type CallCtx = Omit<ApiCallContext, 'server' | 'deadline' | 'timeoutMs'>;

/** API access with a per-call deadline, the run's interrupt signal and error mapping. */
export class Kube {
  constructor(
    readonly conn: LoadedKubeConfig,
    readonly timeoutMs: number,
    readonly interrupt?: AbortSignal,
  ) {}

  get k8s() {
    return this.conn.k8s;
  }

  get server() {
    return this.conn.server;
  }

  /**
   * Runs `fn` against a fresh client of `api`. Failures become AicrErrors, except those `passThrough`
   * accepts (e.g. 404 or 409 the caller handles), which are rethrown as they are.
   */
  call<A, T>(
    api: Api<A>,
    ctx: CallCtx,
    fn: (client: A) => Promise<T>,
    passThrough?: (err: unknown) => boolean,
  ): Promise<T> {
    return span(
      `k8s ${ctx.verb} ${ctx.resource}`,
      {
        'aicr.k8s.verb': ctx.verb,
        'aicr.k8s.resource': ctx.resource,
        'aicr.k8s.namespace': ctx.namespace,
        'aicr.k8s.name': ctx.name,
        'server.address': this.server,
      },
      () => this.callUntraced(api, ctx, fn, passThrough),
    );
  }

  private async callUntraced<A, T>(
    api: Api<A>,
    ctx: CallCtx,
    fn: (client: A) => Promise<T>,
    passThrough?: (err: unknown) => boolean,
  ): Promise<T> {
    if (this.interrupt?.aborted)
      throw new InterruptedError(`trying to ${ctx.verb} ${ctx.what ?? ctx.resource}`);
    const { signal, deadline } = callSignal(this.timeoutMs, this.interrupt);
    try {
      return await fn(makeApiClient(this.conn, api, signal));
    } catch (err) {
      if (this.interrupt?.aborted && isAbortError(err)) {
        throw new InterruptedError(`trying to ${ctx.verb} ${ctx.what ?? ctx.resource}`);
      }
      if (passThrough?.(err)) throw err;
      throw apiError(err, { ...ctx, server: this.server, deadline, timeoutMs: this.timeoutMs });
    }
  }
}

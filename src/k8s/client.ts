/**
 * Kubeconfig loading for every command that talks to a cluster.
 *
 * The chain is the usual one: `--kubeconfig/-k` → `KUBECONFIG` (a path list; files that do not exist
 * are ignored, the rest merged, first wins) → `~/.kube/config` → in-cluster service account.
 * Finding the source is cheap and synchronous; `@kubernetes/client-node` is imported only when a source
 * exists (it costs a few hundred milliseconds to load), so a machine without any cluster never pays it.
 */
import { existsSync, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError, invalid } from '../errors/index.js';
import { importExternal } from '../util/dynamic-import.js';

export type K8s = typeof K8sModule;
export type KubeConfig = K8sModule.KubeConfig;

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeconfigOptions {
  /** Explicit kubeconfig path (`--kubeconfig/-k`); takes precedence over everything else. */
  kubeconfig?: string;
  /** Environment to read `KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_*` from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Service-account directory for in-cluster detection (tests point this at a temp dir). */
  serviceAccountDir?: string;
}

export type KubeconfigSource =
  | { kind: 'flag' | 'env' | 'home'; paths: string[] }
  | { kind: 'in-cluster'; host: string; port: string; serviceAccountDir: string };

/** Human-readable description of a source, for logs. */
export function describeSource(src: KubeconfigSource): string {
  switch (src.kind) {
    case 'flag':
      return `--kubeconfig ${src.paths[0]}`;
    case 'env':
      return `KUBECONFIG=${src.paths.join(path.delimiter)}`;
    case 'home':
      return src.paths[0]!;
    case 'in-cluster':
      return `in-cluster service account (${src.host}:${src.port})`;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Which kubeconfig the chain selects, without loading it. Undefined when there is none at all.
 * An explicit `--kubeconfig` that does not name a readable file is a user error (INVALID_REQUEST).
 */
export function findKubeconfigSource(opts: KubeconfigOptions = {}): KubeconfigSource | undefined {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') {
    const p = path.resolve(opts.kubeconfig);
    if (!isFile(p)) {
      throw invalid(`--kubeconfig ${opts.kubeconfig}: file does not exist or is not a regular file`);
    }
    return { kind: 'flag', paths: [p] };
  }
  const list = env.KUBECONFIG;
  if (list) {
    const paths = list
      .split(path.delimiter)
      .filter((p) => p !== '')
      .map((p) => path.resolve(p))
      .filter(isFile);
    if (paths.length > 0) return { kind: 'env', paths };
  }
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (home) {
    const p = path.join(home, '.kube', 'config');
    if (isFile(p)) return { kind: 'home', paths: [p] };
  }
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host && port && existsSync(path.join(saDir, 'token'))) {
    return { kind: 'in-cluster', host, port, serviceAccountDir: saDir };
  }
  return undefined;
}

let modulePromise: Promise<K8s> | undefined;

/** The client library, imported on first use. */
export function importKubeClient(): Promise<K8s> {
  modulePromise ??= importExternal<K8s>('@kubernetes/client-node');
  return modulePromise;
}

export interface LoadedKubeConfig {
  k8s: K8s;
  kc: KubeConfig;
  source: KubeconfigSource;
  /** API server URL of the current context. */
  server: string;
}

/**
 * Loads the kubeconfig the chain selects. Throws NOT_FOUND when there is none, INVALID_REQUEST when the
 * file cannot be parsed or has no current cluster.
 */
export async function loadKubeConfig(opts: KubeconfigOptions = {}): Promise<LoadedKubeConfig> {
  const source = findKubeconfigSource(opts);
  if (!source) {
    throw new AicrError(
      'NOT_FOUND',
      'no Kubernetes configuration found (tried --kubeconfig, KUBECONFIG, ~/.kube/config and the in-cluster service account)',
    );
  }
  const k8s = await importKubeClient();
  const kc = new k8s.KubeConfig();
  try {
    if (source.kind === 'in-cluster') {
      loadInCluster(kc, source);
    } else {
      kc.loadFromFile(source.paths[0]!);
      for (const p of source.paths.slice(1)) {
        const more = new k8s.KubeConfig();
        more.loadFromFile(p);
        kc.mergeConfig(more, true);
      }
    }
  } catch (err) {
    throw invalid(`cannot load Kubernetes configuration from ${describeSource(source)}`, err);
  }
  allowPlainHttp(kc);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw invalid(
      `Kubernetes configuration ${describeSource(source)} has no current cluster (set current-context)`,
    );
  }
  return { k8s, kc, source, server: cluster.server };
}

/**
 * A cluster whose server is plain `http://` (e.g. `kubectl proxy`) has no TLS to verify; kubectl talks to
 * it as it is. The client library refuses such a server unless `skipTLSVerify` is set ("HTTP protocol is
 * not allowed when skipTLSVerify is not set"), so it is set for those clusters (it changes nothing else
 * over plain HTTP). Clusters reached through a proxy keep their settings.
 */
function allowPlainHttp(kc: KubeConfig): void {
  const fixed = kc.clusters.map((c) =>
    /^http:\/\//i.test(c.server) && !c.proxyUrl && !c.skipTLSVerify ? { ...c, skipTLSVerify: true } : c,
  );
  if (fixed.some((c, i) => c !== kc.clusters[i])) kc.clusters = fixed;
}

/** In-cluster configuration, as the library's `loadFromCluster` builds it, from `src.serviceAccountDir`. */
function loadInCluster(kc: KubeConfig, src: Extract<KubeconfigSource, { kind: 'in-cluster' }>): void {
  const scheme = ['80', '8080', '8001'].includes(src.port) ? 'http' : 'https';
  const host = src.host.includes(':') ? `[${src.host}]` : src.host;
  kc.loadFromClusterAndUser(
    {
      name: 'inCluster',
      server: `${scheme}://${host}:${src.port}`,
      caFile: path.join(src.serviceAccountDir, 'ca.crt'),
      skipTLSVerify: false,
    },
    {
      name: 'inClusterUser',
      authProvider: { name: 'tokenFile', config: { tokenFile: path.join(src.serviceAccountDir, 'token') } },
    },
  );
}

/**
 * An API client of `apiClass` for the current context whose requests are aborted by `signal`.
 * (The library's own `kc.makeApiClient` has no way to pass a signal.)
 */
export function makeApiClient<T>(
  loaded: Pick<LoadedKubeConfig, 'k8s' | 'kc' | 'server'>,
  apiClass: new (config: K8sModule.Configuration) => T,
  signal?: AbortSignal,
): T {
  const { k8s, kc, server } = loaded;
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: signal
      ? [
          {
            pre: async (ctx) => {
              ctx.setSignal(signal);
              return ctx;
            },
            post: async (ctx) => ctx,
          },
        ]
      : [],
  });
  return new apiClass(config);
}

/** HTTP status of a failed API call (undefined for transport failures). */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/** One-line description of a failed API call: `HTTP 403 Forbidden: <status message>` or the transport error. */
export function describeApiError(err: unknown): string {
  const status = apiStatus(err);
  if (status !== undefined) {
    let body = (err as { body?: unknown }).body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep text */
      }
    }
    const msg =
      body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : typeof body === 'string' && body !== ''
          ? body.slice(0, 200)
          : '';
    const reason =
      body && typeof body === 'object' && typeof (body as { reason?: unknown }).reason === 'string'
        ? ` ${(body as { reason: string }).reason}`
        : STATUS_CODES[status]
          ? ` ${STATUS_CODES[status]}`
          : '';
    return `HTTP ${status}${reason}${msg ? `: ${msg}` : ''}`;
  }
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const code = (err as { code?: unknown }).code;
    return `${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}${cause}`;
  }
  return String(err);
}

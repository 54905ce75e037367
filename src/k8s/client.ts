/**
 * Kubeconfig loading for every command that talks to a cluster.
 *
 * The chain is the usual one: `--kubeconfig/-k` → `KUBECONFIG` (a path list, merged; every entry must be
 * a regular file) → `~/.kube/config` → in-cluster service account. A `--kubeconfig` or a `KUBECONFIG`
 * entry that is missing, a directory or not a regular file is INVALID_REQUEST (exit 2) naming the path:
 * aicr never falls back to `~/.kube/config` (which may be another cluster), as kubectl does not.
 * Loading checks the current context's TLS material and runs exec credential plugins itself
 * (./kubeconfig-check.ts, ./exec-auth.ts).
 * Finding the source is cheap and synchronous; `@kubernetes/client-node` is imported only when a source
 * exists (it costs a few hundred milliseconds to load), so a machine without any cluster never pays it.
 */
import { existsSync, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type * as K8sModule from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { AicrError, internal, invalid } from '../errors/index.js';
import { BoundedExecAuth } from './exec-auth.js';
import {
  checkClusterTls,
  checkUserTls,
  MAX_CREDENTIAL_FILE_BYTES,
  MAX_KUBECONFIG_BYTES,
  quoteName,
  readRegularFile,
} from './kubeconfig-check.js';
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
  /** Stops exec credential plugins (their process groups are killed) when it aborts. */
  signal?: AbortSignal;
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

/** Why `p` cannot be a kubeconfig (missing, a directory, not a regular file), or undefined when it can. */
function notAFile(p: string): string | undefined {
  try {
    const st = statSync(p);
    if (st.isFile()) return undefined;
    return st.isDirectory() ? 'is a directory' : 'is not a regular file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code})`;
  }
}

function isFile(p: string): boolean {
  return notAFile(p) === undefined;
}

/**
 * Which kubeconfig the chain selects, without loading it. Undefined when there is none at all.
 * An explicit `--kubeconfig`, or a `KUBECONFIG` entry, that does not name a regular file is a user error
 * (INVALID_REQUEST, exit 2) naming the path; there is no fall-back to the next source.
 */
export function findKubeconfigSource(opts: KubeconfigOptions = {}): KubeconfigSource | undefined {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') {
    const p = path.resolve(opts.kubeconfig);
    const why = notAFile(p);
    if (why) {
      throw invalid(`--kubeconfig ${quote(opts.kubeconfig)}: ${p} ${why}; a kubeconfig file is required`);
    }
    return { kind: 'flag', paths: [p] };
  }
  const list = env.KUBECONFIG;
  if (list) {
    const paths = list
      .split(path.delimiter)
      .filter((p) => p !== '')
      .map((p) => path.resolve(p));
    for (const p of paths) {
      const why = notAFile(p);
      if (why) {
        throw invalid(
          `KUBECONFIG entry ${quote(p)} ${why}; aicr does not fall back to ~/.kube/config (fix or unset KUBECONFIG)`,
        );
      }
    }
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

/** A path for messages: control characters escaped. */
function quote(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f"]/.test(p) ? JSON.stringify(p) : p;
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
  const files: { file: string; kc: KubeConfig }[] = [];
  try {
    if (source.kind === 'in-cluster') {
      loadInCluster(kc, source);
    } else {
      for (const p of source.paths) {
        const one = new k8s.KubeConfig();
        loadFileSafely(one, p);
        files.push({ file: p, kc: one });
        if (files.length === 1) kc.loadFromString('{}');
        kc.mergeConfig(one, !!kc.getCurrentContext());
      }
    }
  } catch (err) {
    if (err instanceof AicrError) throw err;
    throw invalid(`cannot load Kubernetes configuration from ${describeSource(source)}: ${oneLine(err)}`);
  }
  allowPlainHttp(kc);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw invalid(
      `Kubernetes configuration ${describeSource(source)} has no current cluster (set current-context)`,
    );
  }
  if (files.length > 0) {
    const user = kc.getCurrentUser();
    const clusterFile = files.find((f) => f.kc.getCluster(cluster.name))?.file ?? files[0]!.file;
    checkClusterTls(cluster as unknown as Parameters<typeof checkClusterTls>[0], clusterFile);
    if (user) {
      const userFile = files.find((f) => f.kc.getUser(user.name))?.file ?? files[0]!.file;
      checkUserTls(user as unknown as Parameters<typeof checkUserTls>[0], userFile);
    }
    installExecAuth(kc, files, opts);
  }
  return { k8s, kc, source, server: cluster.server };
}

/**
 * Loads one kubeconfig file: read only as a regular file (≤ 4 MiB, never blocking), `token-file`
 * references checked the same way before the library reads them, relative paths made absolute.
 */
function loadFileSafely(kc: KubeConfig, file: string): void {
  const text = readRegularFile(file, `kubeconfig ${file}`, MAX_KUBECONFIG_BYTES).toString('utf8');
  // The library reads `token-file` while parsing: check those paths first (they are read relative to
  // the working directory by the library; kubectl resolves them against the kubeconfig's directory).
  const users = tokenFiles(text);
  for (const { name, tokenFile } of users) {
    readRegularFile(
      tokenFile,
      `kubeconfig ${file}: users[name=${quoteName(name)}].user.token-file`,
      MAX_CREDENTIAL_FILE_BYTES,
    );
  }
  try {
    kc.loadFromString(text);
  } catch (err) {
    const e = err as { name?: string; reason?: string; mark?: { line?: number; column?: number } };
    if (e.name === 'YAMLException') {
      const at =
        typeof e.mark?.line === 'number'
          ? ` at line ${e.mark.line + 1}, column ${(e.mark.column ?? 0) + 1}`
          : '';
      throw invalid(`kubeconfig ${file} is not valid YAML${at}: ${oneLine(e.reason ?? err)}`);
    }
    throw invalid(`kubeconfig ${file}: ${oneLine(err)}`);
  }
  kc.makePathsAbsolute(path.dirname(file));
}

/**
 * One printable line of an error (or text) for messages: the first line only (no code frames), control
 * and non-ASCII-printable characters escaped, at most 300 characters.
 */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n')[0]!.trim();
  const escaped = first.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 300 ? `${escaped.slice(0, 300)}...` : escaped;
}

/** `users[].user.token-file` entries of a kubeconfig text (best effort: a text that fails to parse here fails in the library). */
function tokenFiles(text: string): { name: string; tokenFile: string }[] {
  if (!text.includes('token-file')) return [];
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: false, maxAliasCount: 100 });
  } catch {
    return [];
  }
  const users = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(users)) return [];
  const out: { name: string; tokenFile: string }[] = [];
  for (const u of users as unknown[]) {
    const e = u as { name?: unknown; user?: { 'token-file'?: unknown; token?: unknown } } | null;
    const tf = e?.user?.['token-file'];
    if (typeof tf === 'string' && tf !== '' && !e?.user?.token)
      out.push({ name: String(e?.name), tokenFile: tf });
  }
  return out;
}

/** Replaces the library's exec authenticator with ours (bounded, process-group based). */
function installExecAuth(
  kc: KubeConfig,
  files: { file: string; kc: KubeConfig }[],
  opts: KubeconfigOptions,
): void {
  const userDirs = new Map<string, string>();
  const userFiles = new Map<string, string>();
  for (const f of files) {
    for (const u of f.kc.getUsers()) {
      if (!userFiles.has(u.name)) {
        userFiles.set(u.name, f.file);
        userDirs.set(u.name, path.dirname(f.file));
      }
    }
  }
  const auth = new BoundedExecAuth({
    userDirs,
    userFiles,
    cluster: () => kc.getCurrentCluster(),
    signal: opts.signal,
    env: opts.env,
  });
  const list = (kc as unknown as { authenticators?: unknown[] }).authenticators;
  if (!Array.isArray(list)) {
    throw internal('the Kubernetes client library has no authenticator list; cannot run exec plugins safely');
  }
  const i = list.findIndex(
    (a) => (a as { constructor?: { name?: string } }).constructor?.name === 'ExecAuth',
  );
  // Ours goes first either way, so the library's runner is never chosen for an exec user.
  if (i >= 0) list.splice(i, 1);
  list.unshift(auth);
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

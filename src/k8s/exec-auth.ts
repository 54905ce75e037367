/**
 * Kubeconfig `exec` credential plugins, run by aicr itself (not by the client library, whose runner
 * has no time limit and leaves the plugin behind on Ctrl-C).
 *
 * The ExecCredential protocol (client.authentication.k8s.io/v1 and v1beta1), non-interactive:
 *  - the command is looked up on PATH; a relative command with a slash is relative to the directory of
 *    the kubeconfig that names it (as kubectl does);
 *  - `args` and `env` (name/value pairs added to aicr's environment) are passed, and
 *    KUBERNETES_EXEC_INFO holds `{"apiVersion", "kind": "ExecCredential", "spec": {"interactive": false,
 *    "cluster": …}}` (`cluster` only with `provideClusterInfo: true`); stdin is not connected, so a plugin
 *    with `interactiveMode: Always` is refused;
 *  - the plugin runs in its own process group under the request time limit
 *    (AICR_K8S_REQUEST_TIMEOUT, default 30 s) and the command's abort signal (`--timeout`, Ctrl-C): on
 *    either, the whole group is killed;
 *  - stdout must be one ExecCredential of the requested apiVersion with `status.token`, or
 *    `status.clientCertificateData` + `status.clientKeyData` (PEM); `status.expirationTimestamp`
 *    (RFC 3339) bounds how long the credential is cached, without it the credential is kept for the
 *    whole command.
 *
 * Failures are errors with one line naming the plugin: not found or misconfigured → INVALID_REQUEST
 * (exit 2), plugin failed or printed no usable credential → UNAUTHORIZED (exit 4), time limit → TIMEOUT
 * (exit 5).
 */
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { findExecutable, runCommand, RunError } from '../util/child.js';
import { k8sRequestTimeoutFromEnv, type Env } from '../util/env.js';
import { checkKeyPair, parseCertificates, parsePrivateKey, quoteName } from './kubeconfig-check.js';

export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
/** Largest ExecCredential a plugin may print (1 MiB). */
const MAX_CREDENTIAL_BYTES = 1 << 20;

interface ExecConfig {
  apiVersion?: unknown;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  provideClusterInfo?: unknown;
  interactiveMode?: unknown;
  installHint?: unknown;
}

interface UserLike {
  name: string;
  exec?: unknown;
  authProvider?: { name?: string; config?: { exec?: unknown } } | null;
}

interface ClusterLike {
  server: string;
  caData?: string;
  skipTLSVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface Credential {
  token?: string;
  cert?: string;
  key?: string;
  /** ms since epoch; undefined = valid for the whole command. */
  expires?: number;
}

export interface ExecAuthOptions {
  /** Directory of the kubeconfig file that holds each user, by user name. */
  userDirs: Map<string, string>;
  /** Kubeconfig file of each user, by user name (for messages). */
  userFiles: Map<string, string>;
  /** The current cluster (for KUBERNETES_EXEC_INFO with provideClusterInfo). */
  cluster: () => ClusterLike | null;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Time limit of one plugin run: AICR_K8S_REQUEST_TIMEOUT (Go duration), else 30 s. */
export function execTimeoutFromEnv(env?: Env): number {
  return k8sRequestTimeoutFromEnv(env) ?? DEFAULT_EXEC_TIMEOUT_MS;
}

function execOf(user: UserLike): ExecConfig | undefined {
  if (user.exec) return user.exec as ExecConfig;
  const e = user.authProvider?.config?.exec;
  return e ? (e as ExecConfig) : undefined;
}

/** An authenticator for the client library (`isAuthProvider` + `applyAuthentication`). */
export class BoundedExecAuth {
  private readonly cache = new Map<string, Promise<Credential>>();

  constructor(private readonly opts: ExecAuthOptions) {}

  isAuthProvider(user: UserLike | null | undefined): boolean {
    return !!user && execOf(user) !== undefined;
  }

  async applyAuthentication(
    user: UserLike,
    opts: { cert?: unknown; key?: unknown; headers?: Record<string, unknown> },
  ): Promise<void> {
    const cred = await this.credential(user);
    if (cred.cert) opts.cert = cred.cert;
    if (cred.key) opts.key = cred.key;
    if (cred.token) {
      opts.headers ??= {};
      opts.headers.Authorization = `Bearer ${cred.token}`;
    }
  }

  /** The user's credential, from the cache while it is valid, else from a new plugin run. */
  credential(user: UserLike): Promise<Credential> {
    const key = user.name;
    const cached = this.cache.get(key);
    if (cached) {
      return cached.then((c) => {
        if (c.expires === undefined || c.expires > Date.now()) return c;
        if (this.cache.get(key) === cached) this.cache.delete(key);
        return this.credential(user);
      });
    }
    const p = this.run(user);
    this.cache.set(key, p);
    p.catch(() => {
      if (this.cache.get(key) === p) this.cache.delete(key);
    });
    return p;
  }

  private async run(user: UserLike): Promise<Credential> {
    const exec = execOf(user)!;
    const file = this.opts.userFiles.get(user.name) ?? 'kubeconfig';
    const where = `kubeconfig ${file}: users[name=${quoteName(user.name)}].user.exec`;
    const apiVersion = exec.apiVersion;
    if (typeof apiVersion !== 'string' || !(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
      throw invalid(
        `${where}.apiVersion ${apiVersion === undefined ? 'is missing' : quoteName(apiVersion) + ' is not supported'}; use ${EXEC_API_VERSIONS.join(' or ')}`,
      );
    }
    if (typeof exec.command !== 'string' || exec.command === '') {
      throw invalid(`${where}.command is missing`);
    }
    const args = exec.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw invalid(`${where}.args must be a list of strings`);
    }
    if (exec.interactiveMode === 'Always') {
      throw invalid(
        `${where}.interactiveMode is Always, but aicr runs credential plugins without a terminal; use IfAvailable or Never`,
      );
    }
    const env: NodeJS.ProcessEnv = { ...(this.opts.env ?? process.env) };
    if (exec.env !== undefined && exec.env !== null) {
      if (!Array.isArray(exec.env)) throw invalid(`${where}.env must be a list of {name, value}`);
      for (const [i, e] of (exec.env as unknown[]).entries()) {
        const { name, value } = (e ?? {}) as { name?: unknown; value?: unknown };
        if (typeof name !== 'string' || name === '' || typeof value !== 'string') {
          throw invalid(`${where}.env[${i}] must have a string name and value`);
        }
        env[name] = value;
      }
    }
    const spec: Record<string, unknown> = { interactive: false };
    if (exec.provideClusterInfo === true) {
      const c = this.opts.cluster();
      if (c) {
        const info: Record<string, unknown> = { server: c.server };
        if (c.tlsServerName) info['tls-server-name'] = c.tlsServerName;
        if (c.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
        if (c.caData) info['certificate-authority-data'] = c.caData;
        if (c.proxyUrl) info['proxy-url'] = c.proxyUrl;
        spec.cluster = info;
      }
    }
    env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });

    const command = exec.command;
    const dir = this.opts.userDirs.get(user.name);
    const resolved =
      command.includes('/') && !path.isAbsolute(command) && dir
        ? findExecutable(path.join(dir, command))
        : findExecutable(command, env.PATH ?? '');
    const label = `credential plugin ${quoteName(command)} (${where})`;
    if (!resolved) {
      const hint = typeof exec.installHint === 'string' ? `; ${exec.installHint.split('\n')[0]}` : '';
      throw invalid(`${label}: executable not found${hint}`);
    }
    const timeoutMs = this.opts.timeoutMs ?? execTimeoutFromEnv(this.opts.env);
    let res;
    try {
      res = await runCommand(resolved, args as string[], {
        env,
        timeoutMs,
        signal: this.opts.signal,
        maxBytes: MAX_CREDENTIAL_BYTES,
        name: `credential plugin ${quoteName(command)}`,
      });
    } catch (err) {
      if (err instanceof RunError && err.kind === 'timeout') {
        throw new AicrError('TIMEOUT', `${label} did not finish within ${timeoutMs / 1000}s`);
      }
      if (err instanceof RunError && err.kind === 'aborted') {
        throw new AicrError('TIMEOUT', `${label} was stopped: ${abortReason(this.opts.signal)}`);
      }
      throw new AicrError('UNAUTHORIZED', `${label}: ${(err as Error).message}`);
    }
    if (res.code !== 0) {
      const line = firstLine(res.stderr);
      throw new AicrError(
        'UNAUTHORIZED',
        `${label} failed (${res.code === null ? `signal ${res.signal}` : `exit status ${res.code}`})${line ? `: ${line}` : ''}`,
      );
    }
    return parseExecCredential(res.stdout, apiVersion, label);
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r.message : r === undefined ? 'aborted' : String(r);
}

/** First non-empty line, control characters escaped, at most 200 characters. */
function firstLine(text: string): string {
  const l = text
    .split('\n')
    .map((s) => s.trim())
    .find((s) => s !== '');
  return l === undefined ? '' : escapeControl(l).slice(0, 200);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The credential of a plugin's stdout; UNAUTHORIZED naming the plugin when it is not usable. */
export function parseExecCredential(stdout: string, apiVersion: string, label: string): Credential {
  const bad = (why: string) => new AicrError('UNAUTHORIZED', `${label} printed no usable credential: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw bad('the output is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad('the output is not an object');
  const d = doc as { kind?: unknown; apiVersion?: unknown; status?: unknown };
  if (d.kind !== 'ExecCredential') throw bad(`kind is ${quoteName(d.kind)}, not "ExecCredential"`);
  if (d.apiVersion !== apiVersion) {
    throw bad(`apiVersion is ${quoteName(d.apiVersion)}, but ${apiVersion} was requested`);
  }
  const st = d.status;
  if (st === null || typeof st !== 'object' || Array.isArray(st)) throw bad('status is missing');
  const s = st as Record<string, unknown>;
  const cred: Credential = {};
  if (s.expirationTimestamp !== undefined && s.expirationTimestamp !== null) {
    const t =
      typeof s.expirationTimestamp === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s.expirationTimestamp)
        ? Date.parse(s.expirationTimestamp)
        : NaN;
    if (Number.isNaN(t)) throw bad('status.expirationTimestamp is not an RFC 3339 time');
    cred.expires = t;
  }
  const hasCert = s.clientCertificateData !== undefined && s.clientCertificateData !== '';
  const hasKey = s.clientKeyData !== undefined && s.clientKeyData !== '';
  if (hasCert !== hasKey) throw bad('status.clientCertificateData and status.clientKeyData come together');
  if (hasCert) {
    if (typeof s.clientCertificateData !== 'string' || typeof s.clientKeyData !== 'string') {
      throw bad('status.clientCertificateData and status.clientKeyData must be strings');
    }
    try {
      const certs = parseCertificates(
        Buffer.from(s.clientCertificateData),
        `${label}: status.clientCertificateData`,
      );
      const key = parsePrivateKey(Buffer.from(s.clientKeyData), `${label}: status.clientKeyData`);
      checkKeyPair(certs[0]!, key, label);
    } catch (err) {
      throw new AicrError('UNAUTHORIZED', (err as Error).message);
    }
    cred.cert = s.clientCertificateData;
    cred.key = s.clientKeyData;
  }
  if (s.token !== undefined && s.token !== '') {
    if (typeof s.token !== 'string' || /[\r\n]/.test(s.token))
      throw bad('status.token must be a one-line string');
    cred.token = s.token;
  }
  if (!cred.token && !cred.cert)
    throw bad('status has neither token nor clientCertificateData/clientKeyData');
  return cred;
}

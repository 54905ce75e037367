/**
 * The cluster connection shared by the K8s and NodeTopology collectors.
 *
 * It is established once per snapshot: load the kubeconfig (client library imported only if a kubeconfig
 * exists), then GET /version as a reachability probe. When that fails, both collectors produce empty
 * measurements and exactly one warning names the cause.
 */
import http from 'node:http';
import https from 'node:https';
import {
  apiStatus,
  describeApiError,
  describeSource,
  loadKubeConfig,
  makeApiClient,
  type KubeconfigOptions,
  type LoadedKubeConfig,
} from '../k8s/client.js';
import { AicrError, formatError } from '../errors/index.js';
import { log } from '../logging/logger.js';
import type { Measurement } from '../model/snapshot.js';
import { scanList, type Scanner } from './list-scan.js';
import { abortError, DEFAULT_TIMEOUTS_MS, throwIfAborted, type Collector } from './types.js';

export interface ServerVersion {
  gitVersion?: string;
  platform?: string;
  goVersion?: string;
}

export interface KubeConnection extends LoadedKubeConfig {
  version: ServerVersion;
}

export interface KubeSessionOptions extends KubeconfigOptions {
  /** Limit for loading the kubeconfig and the /version probe (default 15 s). */
  probeTimeoutMs?: number;
  /** Measurement types that depend on this session, named in the warning. */
  consumers?: string[];
}

export class KubeSession {
  private readonly opts: KubeSessionOptions;
  private pending?: Promise<KubeConnection | undefined>;

  constructor(opts: KubeSessionOptions = {}) {
    this.opts = opts;
  }

  /**
   * The connection, or undefined when there is no usable cluster (already warned about). The probe runs
   * once whoever asks first; `signal` only stops this caller from waiting.
   */
  async connect(signal: AbortSignal): Promise<KubeConnection | undefined> {
    this.pending ??= this.establish();
    if (signal.aborted) throw abortError(signal);
    return await new Promise<KubeConnection | undefined>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending!.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private warn(cause: string): undefined {
    const what = (this.opts.consumers ?? ['K8s', 'NodeTopology']).join(' and ');
    log().warn(`Kubernetes: ${cause} - ${what} measurement${what.includes(' and ') ? 's are' : ' is'} empty`);
    return undefined;
  }

  private async establish(): Promise<KubeConnection | undefined> {
    let loaded: LoadedKubeConfig;
    try {
      loaded = await loadKubeConfig(this.opts);
    } catch (err) {
      return this.warn(err instanceof AicrError ? plain(err) : formatError(err));
    }
    const ctl = new AbortController();
    const timeoutMs = this.opts.probeTimeoutMs ?? 15_000;
    const timer = setTimeout(
      () => ctl.abort(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10}s`)),
      timeoutMs,
    );
    try {
      const api = makeApiClient(loaded, loaded.k8s.VersionApi, ctl.signal);
      const info = await api.getCode();
      log().debug('Kubernetes API reachable', {
        server: loaded.server,
        source: describeSource(loaded.source),
        version: info.gitVersion,
      });
      return {
        ...loaded,
        version: { gitVersion: info.gitVersion, platform: info.platform, goVersion: info.goVersion },
      };
    } catch (err) {
      const cause = ctl.signal.aborted ? formatError(ctl.signal.reason) : describeApiError(err);
      const status = apiStatus(err);
      const what =
        status === 401 || status === 403
          ? `the API server at ${loaded.server} refused the credentials from ${describeSource(loaded.source)}`
          : `cannot reach the API server at ${loaded.server} (from ${describeSource(loaded.source)})`;
      return this.warn(`${what}: ${cause}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Largest list page accepted (64 MiB; 500 pods are a few MiB). A page is scanned synchronously, so the
 * cap also bounds how long scanning can hold off `--timeout`.
 */
export const MAX_PAGE_BYTES = 64 << 20;

/** A failed API call with its HTTP status and `Status` body (what `describeApiError` reads). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    path: string,
  ) {
    super(`HTTP ${code} for GET ${path}`);
    this.name = 'KubeApiError';
  }
}

/**
 * Lean JSON lists for the two calls that can be huge (all pods, all nodes).
 *
 * The generated typed client turns every field of every object into model classes (about 7 s for 100,000
 * pods on a 2-core machine); here each page's bytes are scanned once for the fields a collector reads
 * (./list-scan.ts: no objects for the rest, half the time of JSON.parse; docs/performance.md, "Big
 * clusters"). Connection details and credentials still come from the client library
 * (`applyToHTTPSOptions`: CA, client certificates, tokens, exec and OIDC plugins, proxies); the connection
 * is kept alive across pages, and the next page is requested while the current one is being scanned.
 */
export class KubeLister {
  private constructor(
    private readonly server: string,
    private readonly options: https.RequestOptions,
    private readonly agent: http.Agent,
    private readonly secure: boolean,
  ) {}

  static async create(conn: LoadedKubeConfig): Promise<KubeLister> {
    const opts: https.RequestOptions = {};
    await conn.kc.applyToHTTPSOptions(opts);
    const cluster = conn.kc.getCurrentCluster();
    const secure = conn.server.startsWith('https:');
    let agent = opts.agent as http.Agent;
    if (!cluster?.proxyUrl) {
      const tls: https.AgentOptions = {
        keepAlive: true,
        maxSockets: 4,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername ?? cluster?.tlsServerName,
      };
      if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
      if (cluster?.skipTLSVerify) tls.rejectUnauthorized = false;
      agent = secure ? new https.Agent(tls) : new http.Agent({ keepAlive: true, maxSockets: 4 });
    }
    return new KubeLister(conn.server.replace(/\/+$/, ''), opts, agent, secure);
  }

  close(): void {
    this.agent.destroy();
  }

  /** GET `path` (with query) as bytes; non-2xx ⇒ KubeApiError. */
  get(pathAndQuery: string, signal: AbortSignal): Promise<Buffer> {
    const url = new URL(this.server + pathAndQuery);
    const headers: http.OutgoingHttpHeaders = { ...(this.options.headers as http.OutgoingHttpHeaders) };
    headers.accept = 'application/json';
    if (this.options.auth)
      headers.authorization = `Basic ${Buffer.from(this.options.auth).toString('base64')}`;
    const mod = this.secure ? https : http;
    return new Promise<Buffer>((resolve, reject) => {
      const req = mod.request(url, { method: 'GET', agent: this.agent, headers, signal }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > MAX_PAGE_BYTES) {
            req.destroy(new Error(`GET ${url.pathname}: response larger than ${MAX_PAGE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const page = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(page);
            return;
          }
          const text = page.toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* keep text */
          }
          reject(new KubeApiError(status, body, url.pathname));
        });
      });
      req.on('error', (err) => reject(signal.aborted ? abortError(signal) : err));
      req.end();
    });
  }

  /**
   * Lists `path` page by page (`limit` + `continue`), handing each page's items, as `item` reads them
   * from the page's bytes (./list-scan.ts), to `onItems`. The next page is requested as soon as its
   * continue token is read from the head of the current page, before the page is scanned.
   */
  async list<T>(
    path: string,
    limit: number,
    item: (s: Scanner) => T,
    onItems: (items: T[]) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const page = (cont: string | undefined) => {
      const q = new URLSearchParams({ limit: String(limit) });
      if (cont) q.set('continue', cont);
      const p = this.get(`${path}?${q}`, signal);
      p.catch(() => undefined); // handled where awaited
      return p;
    };
    let pending: Promise<Buffer> | undefined = page(undefined);
    while (pending) {
      const bytes: Buffer = await pending;
      const items = bytes.indexOf(ITEMS);
      const peeked = peekContinue(bytes.toString('utf8', 0, items < 0 ? 4096 : items));
      pending = peeked ? page(peeked) : undefined;
      const scanned = scanList(bytes, item);
      if (scanned.continue !== peeked) pending = scanned.continue ? page(scanned.continue) : undefined;
      onItems(scanned.items);
      if (signal.aborted) throw abortError(signal);
    }
  }
}

const ITEMS = Buffer.from('"items"');

/**
 * The list's `metadata.continue`, read from the text before `"items"` (the API server writes kind,
 * apiVersion and metadata first). Undefined when absent or not found there; the parsed page decides.
 */
export function peekContinue(text: string): string | undefined {
  const items = text.indexOf('"items"');
  const head = items < 0 ? text.slice(0, 4096) : text.slice(0, items);
  const m = /"continue"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head);
  if (!m) return undefined;
  try {
    return (JSON.parse(`"${m[1]}"`) as string) || undefined;
  } catch {
    return undefined;
  }
}

/** Pages through a list call (`limit` + `continue`), handing each page's items to `onItems`. */
export async function forEachPage<T>(
  fetchPage: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  onItems: (items: T[]) => void,
  signal: AbortSignal,
): Promise<void> {
  let cont: string | undefined;
  do {
    if (signal.aborted) throw abortError(signal);
    const page = await fetchPage(cont);
    onItems(page.items ?? []);
    cont = page.metadata?._continue || undefined;
  } while (cont);
}

/** An error's text without the `[CODE]` prefix, for warnings. */
function plain(err: AicrError): string {
  return err.cause === undefined ? err.message : `${err.message}: ${formatError(err.cause)}`;
}

/**
 * A collector that reads the cluster through the shared KubeSession: `collectFrom` gets the connection,
 * or undefined when no cluster is usable (the session has warned once).
 */
export abstract class ClusterCollector<
  O extends { session: KubeSession; timeoutMs?: number },
> implements Collector {
  readonly timeoutMs: number;

  constructor(
    readonly type: 'K8s' | 'NodeTopology',
    protected readonly opts: O,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUTS_MS[type];
  }

  async collect(signal: AbortSignal): Promise<Measurement> {
    throwIfAborted(signal);
    return this.collectFrom(await this.opts.session.connect(signal), signal);
  }

  protected abstract collectFrom(conn: KubeConnection | undefined, signal: AbortSignal): Promise<Measurement>;
}

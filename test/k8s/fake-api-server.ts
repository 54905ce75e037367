/**
 * A fake Kubernetes API server for tests and benchmarks: a real HTTPS server on 127.0.0.1 that speaks the
 * Kubernetes REST API for what aicr uses, reached through a generated kubeconfig and the real
 * `@kubernetes/client-node` library. (The client refuses plain http without insecure-skip-tls-verify, so
 * the server uses the self-signed test certificate in `tls/`, valid for 127.0.0.1 and localhost until
 * 2125; the kubeconfig carries it as `certificate-authority-data`. Test-only key, never used elsewhere.)
 *
 * What it serves:
 *  - `/version`, discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`) derived
 *    from the defined resources (built-ins below plus anything added with `defineResource`, e.g. the GPU
 *    Operator's ClusterPolicy);
 *  - generic REST for every defined resource: list (cluster-wide, per namespace, `limit` + `continue`
 *    pagination, `labelSelector`, `fieldSelector`, `watch=true`), get, create (POST, 409 AlreadyExists),
 *    replace (PUT, 409 Conflict on a stale `metadata.resourceVersion`), merge / strategic-merge / apply
 *    PATCH, delete;
 *  - bearer-token authentication (401 without the token), injected faults (`failOn`: any status, or a
 *    hang), and custom routes (`route`) for what the generic REST does not cover (pod logs,
 *    SelfSubjectAccessReview decisions, …);
 *  - a request log (`requests`) for assertions.
 *
 * Objects are kept in memory, ordered as etcd orders them (namespace/name), each with its JSON text
 * cached so that large lists (100,000 pods) are served fast.
 */
import type http from 'node:http';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';

export type KObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

/** One REST resource, as discovery describes it. */
export interface ResourceDef {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name used in paths (`pods`). */
  resource: string;
  kind: string;
  namespaced: boolean;
  singular?: string;
  shortNames?: string[];
  verbs?: string[];
  /** Subresources listed in discovery (`log`, `status`); served only through `route`. */
  subresources?: string[];
  /** Built-in types: list items are served without kind/apiVersion, as the real API server does. */
  builtin?: boolean;
}

const TLS_DIR = fileURLToPath(new URL('./tls/', import.meta.url));
/** PEM of the test certificate (also the CA that signs it). */
export const FAKE_CA_CERT = readFileSync(`${TLS_DIR}server.crt`, 'utf8');
const FAKE_KEY = readFileSync(`${TLS_DIR}server.key`, 'utf8');

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Resources every fake server knows. */
export const BUILTIN_RESOURCES: ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'] },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    subresources: ['log', 'status'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    namespaced: true,
    subresources: ['status'],
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  {
    group: 'node.k8s.io',
    version: 'v1',
    resource: 'runtimeclasses',
    kind: 'RuntimeClass',
    namespaced: false,
  },
].map((d) => ({ ...d, builtin: true }));

/** The GPU Operator's ClusterPolicy custom resource (define it with `server.defineResource`). */
export const CLUSTER_POLICY_RESOURCE: ResourceDef = {
  group: 'nvidia.com',
  version: 'v1',
  resource: 'clusterpolicies',
  kind: 'ClusterPolicy',
  namespaced: false,
  singular: 'clusterpolicy',
  subresources: ['status'],
};

export interface FakeKubeApiServerOptions {
  /** Bearer token every request must carry (default `aicr-test-token`); `null` disables authentication. */
  token?: string | null;
  /** Fields of the `/version` answer. */
  version?: Partial<VersionInfo>;
  /** Largest page served whatever `limit` asks for (the real server caps too); default unlimited. */
  maxPageSize?: number;
  /** Record requests in `requests` (default true). */
  recordRequests?: boolean;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  authorization?: string;
}

export interface FaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** Exact URL path (no query) or a pattern tested against it. */
  path: string | RegExp;
  /** Status to answer (401, 403, 404, 409, 500, …); ignored when `hang` is set. */
  status?: number;
  /** Never answer (the connection stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** How many requests the fault applies to (default: all until cleared). */
  times?: number;
  /** Let this many matching requests through first (e.g. 1 = fail from the second page on). */
  skip?: number;
  /** Status message (default: the usual API server text for the status). */
  message?: string;
}

export interface RouteContext {
  server: FakeKubeApiServer;
  url: URL;
  match: RegExpMatchArray;
  /** Request body, parsed as JSON when possible (undefined when empty). */
  body: unknown;
}

/** A custom handler; return a value to answer 200 with it as JSON, or write to `res` yourself and return undefined. */
export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  ctx: RouteContext,
) => unknown | Promise<unknown>;

/**
 * A stored object, kept only as JSON text (large clusters stay cheap to hold and to serve). `body` is
 * the object without apiVersion/kind; `obj` parses a fresh copy on demand.
 */
class Entry {
  constructor(
    private readonly prefix: string,
    /** UTF-8 JSON of the object without apiVersion/kind (served as is in built-in lists). */
    readonly body: Buffer,
  ) {}

  static of(obj: KObject): Entry {
    const { apiVersion, kind, ...rest } = obj;
    return new Entry(
      `{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},`,
      Buffer.from(JSON.stringify(rest)),
    );
  }

  /** The whole object as JSON. */
  get json(): string {
    const body = this.body.toString('utf8');
    return body === '{}' ? `${this.prefix.slice(0, -1)}}` : this.prefix + body.slice(1);
  }

  get obj(): KObject {
    return JSON.parse(this.json) as KObject;
  }
}

interface Collection {
  def: ResourceDef;
  entries: Map<string, Entry>;
  sorted?: string[];
}

type WatchListener = (type: 'ADDED' | 'MODIFIED' | 'DELETED', coll: Collection, entry: Entry) => void;

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function keyOf(def: ResourceDef, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${namespace ?? ''}/${name}` : name;
}

function gvOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

function lowerBound(arr: string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

type Selector = (obj: KObject) => boolean;

function parseLabelSelector(sel: string): Selector {
  const reqs: Selector[] = [];
  for (const raw of sel.split(',')) {
    const term = raw.trim();
    if (!term) continue;
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^!=\s]+)\s*!=\s*(.*)$/))) {
      const [, k, v] = m;
      reqs.push((o) => o.metadata?.labels?.[k!] !== v);
    } else if ((m = term.match(/^([^!=\s]+)\s*==?\s*(.*)$/))) {
      const [, k, v] = m;
      reqs.push((o) => o.metadata?.labels?.[k!] === v);
    } else if ((m = term.match(/^([^\s]+)\s+(in|notin)\s+\((.*)\)$/))) {
      const [, k, op, list] = m;
      const vals = new Set(list!.split(',').map((s) => s.trim()));
      reqs.push((o) => {
        const v = o.metadata?.labels?.[k!];
        return op === 'in' ? v !== undefined && vals.has(v) : v === undefined || !vals.has(v);
      });
    } else if (term.startsWith('!')) {
      const k = term.slice(1);
      reqs.push((o) => o.metadata?.labels?.[k] === undefined);
    } else {
      reqs.push((o) => o.metadata?.labels?.[term] !== undefined);
    }
  }
  return (o) => reqs.every((r) => r(o));
}

function parseFieldSelector(sel: string): Selector {
  const reqs: Selector[] = [];
  for (const raw of sel.split(',')) {
    const term = raw.trim();
    if (!term) continue;
    const m = term.match(/^([^!=]+?)\s*(!=|==|=)\s*(.*)$/);
    if (!m) throw new Error(`invalid field selector ${term}`);
    const [, field, op, value] = m;
    reqs.push((o) => {
      const v = getPath(o, field!);
      const s = v === undefined || v === null ? '' : String(v);
      return op === '!=' ? s !== value : s === value;
    });
  }
  return (o) => reqs.every((r) => r(o));
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeKubeApiServer {
  readonly requests: RequestRecord[] = [];
  readonly token: string | null;
  readonly versionInfo: VersionInfo;
  private readonly opts: FakeKubeApiServerOptions;
  private readonly collections = new Map<string, Collection>();
  private readonly byKind = new Map<string, Collection>();
  private faults: (FaultSpec & { remaining: number; toSkip: number })[] = [];
  private routes: { method: string; pattern: RegExp; handler: RouteHandler }[] = [];
  private watchers = new Set<WatchListener>();
  private rv = 1000;
  private uidCounter = 0;
  private server?: https.Server;
  private baseUrl = '';

  constructor(opts: FakeKubeApiServerOptions = {}) {
    this.opts = opts;
    this.token = opts.token === undefined ? 'aicr-test-token' : opts.token;
    this.versionInfo = {
      major: '1',
      minor: '33',
      gitVersion: 'v1.33.5',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2025-09-09T00:00:00Z',
      goVersion: 'go1.24.6',
      compiler: 'gc',
      platform: 'linux/amd64',
      ...opts.version,
    };
    for (const def of BUILTIN_RESOURCES) this.defineResource(def);
  }

  /** Creates and starts a server on 127.0.0.1 (a free port). */
  static async start(opts: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const s = new FakeKubeApiServer(opts);
    await s.listen();
    return s;
  }

  /** Starts listening on 127.0.0.1 (port 0 = a free one). */
  async listen(port = 0): Promise<void> {
    const server = https.createServer({ key: FAKE_KEY, cert: FAKE_CA_CERT }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendStatus(res, req, 500, `fake server error: ${String(err)}`);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.baseUrl = `https://127.0.0.1:${addr.port}`;
  }

  /** `https://127.0.0.1:<port>`. */
  get url(): string {
    if (!this.baseUrl) throw new Error('FakeKubeApiServer is not listening');
    return this.baseUrl;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Stops the server, dropping open connections (hung requests and watches included). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.watchers.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * Writes a kubeconfig that points at this server (bearer-token user, current context `fake`) to `file`
   * and returns the path.
   */
  writeKubeconfig(
    file: string,
    opts: { token?: string; namespace?: string; contextName?: string } = {},
  ): string {
    const ctx = opts.contextName ?? 'fake';
    const user: Record<string, string> = {};
    const token = opts.token ?? this.token;
    if (token) user.token = token;
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fake-cluster',
          cluster: {
            server: this.url,
            'certificate-authority-data': Buffer.from(FAKE_CA_CERT).toString('base64'),
          },
        },
      ],
      users: [{ name: 'fake-user', user }],
      contexts: [
        {
          name: ctx,
          context: { cluster: 'fake-cluster', user: 'fake-user', namespace: opts.namespace ?? 'default' },
        },
      ],
      'current-context': ctx,
    };
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
    return file;
  }

  // ---------------------------------------------------------------- resources and objects

  /** Adds a resource type (e.g. `CLUSTER_POLICY_RESOURCE`); discovery lists it from now on. */
  defineResource(def: ResourceDef): void {
    const gvr = `${gvOf(def)}/${def.resource}`;
    if (this.collections.has(gvr)) return;
    const coll: Collection = { def, entries: new Map() };
    this.collections.set(gvr, coll);
    this.byKind.set(`${gvOf(def)}/${def.kind}`, coll);
  }

  /** The resource definitions, in definition order. */
  resources(): ResourceDef[] {
    return [...this.collections.values()].map((c) => c.def);
  }

  private collectionFor(obj: KObject): Collection {
    const coll = this.byKind.get(`${obj.apiVersion}/${obj.kind}`);
    if (!coll) throw new Error(`FakeKubeApiServer: no resource defined for ${obj.apiVersion} ${obj.kind}`);
    return coll;
  }

  private collection(group: string, version: string, resource: string): Collection | undefined {
    return this.collections.get(`${group ? `${group}/${version}` : version}/${resource}`);
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  private stamp(coll: Collection, obj: KObject, prev?: KObject): KObject {
    const def = coll.def;
    const meta = { ...(obj.metadata ?? {}) };
    meta.uid = prev?.metadata?.uid ?? meta.uid ?? this.makeUid();
    meta.creationTimestamp =
      prev?.metadata?.creationTimestamp ?? meta.creationTimestamp ?? '2025-01-01T00:00:00Z';
    meta.resourceVersion = this.nextRv();
    if (!def.namespaced) delete meta.namespace;
    return { apiVersion: gvOf(def), kind: def.kind, ...obj, metadata: meta };
  }

  private makeUid(): string {
    this.uidCounter += 1;
    const hex = this.uidCounter.toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${hex}`;
  }

  /**
   * Creates or replaces objects directly (no HTTP, no conflict checks). The resource comes from
   * `apiVersion` + `kind`; uid, creationTimestamp and resourceVersion are filled in.
   * Returns the stored objects.
   */
  put(...objs: KObject[]): KObject[] {
    return objs.map((obj) => {
      const coll = this.collectionFor(obj);
      const name = obj.metadata?.name;
      if (!name) throw new Error('FakeKubeApiServer.put: metadata.name is required');
      const key = keyOf(
        coll.def,
        obj.metadata?.namespace ?? (coll.def.namespaced ? 'default' : undefined),
        name,
      );
      const prev = coll.entries.get(key);
      const withNs =
        coll.def.namespaced && !obj.metadata?.namespace
          ? { ...obj, metadata: { ...obj.metadata, namespace: 'default' } }
          : obj;
      const stored = this.stamp(coll, withNs, prev?.obj);
      const entry = Entry.of(stored);
      coll.entries.set(key, entry);
      if (!prev) coll.sorted = undefined;
      this.emit(prev ? 'MODIFIED' : 'ADDED', coll, entry);
      return stored;
    });
  }

  /** The stored object, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): KObject | undefined {
    const coll = this.byKind.get(`${apiVersion}/${kind}`);
    if (!coll) return undefined;
    return coll.entries.get(keyOf(coll.def, namespace ?? 'default', name))?.obj;
  }

  /** All stored objects of a kind (optionally one namespace), in list order. */
  list(apiVersion: string, kind: string, namespace?: string): KObject[] {
    const coll = this.byKind.get(`${apiVersion}/${kind}`);
    if (!coll) return [];
    return this.sortedKeys(coll)
      .map((k) => coll.entries.get(k)!.obj)
      .filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  /** Removes an object; true when it existed. */
  remove(apiVersion: string, kind: string, name: string, namespace?: string): boolean {
    const coll = this.byKind.get(`${apiVersion}/${kind}`);
    if (!coll) return false;
    const key = keyOf(coll.def, namespace ?? 'default', name);
    const entry = coll.entries.get(key);
    if (!entry) return false;
    coll.entries.delete(key);
    coll.sorted = undefined;
    this.emit('DELETED', coll, entry);
    return true;
  }

  /** Number of stored objects of a kind. */
  count(apiVersion: string, kind: string): number {
    return this.byKind.get(`${apiVersion}/${kind}`)?.entries.size ?? 0;
  }

  private sortedKeys(coll: Collection): string[] {
    coll.sorted ??= [...coll.entries.keys()].sort();
    return coll.sorted;
  }

  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', coll: Collection, entry: Entry): void {
    for (const w of this.watchers) w(type, coll, entry);
  }

  // ---------------------------------------------------------------- faults and routes

  /**
   * Makes matching requests fail with `status` (a Kubernetes Status body) or hang. Later faults win over
   * earlier ones. Returns a function that removes the fault.
   */
  failOn(spec: FaultSpec): () => void {
    const f = { ...spec, remaining: spec.times ?? Infinity, toSkip: spec.skip ?? 0 };
    this.faults.unshift(f);
    return () => {
      this.faults = this.faults.filter((x) => x !== f);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Adds a custom handler for `method` and a path pattern (a RegExp, or a string matched exactly); custom
   * routes are tried before the generic REST handling (after authentication and faults).
   */
  route(method: string, pattern: string | RegExp, handler: RouteHandler): void {
    const re =
      typeof pattern === 'string'
        ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
        : pattern;
    this.routes.unshift({ method: method.toUpperCase(), pattern: re, handler });
  }

  /** Requests whose path matches (for assertions). */
  requestsTo(path: string | RegExp): RequestRecord[] {
    return this.requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  // ---------------------------------------------------------------- HTTP

  private record(req: http.IncomingMessage, url: URL, status: number): void {
    if (this.opts.recordRequests === false) return;
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status,
      authorization: req.headers.authorization,
    });
  }

  /** Sends a Kubernetes `Status` failure. */
  sendStatus(
    res: http.ServerResponse,
    req: http.IncomingMessage,
    code: number,
    message?: string,
    details?: Record<string, unknown>,
  ): void {
    const reason = REASONS[code] ?? 'Unknown';
    const body = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: message ?? defaultMessage(code),
      reason,
      ...(details ? { details } : {}),
      code,
    };
    this.sendJson(res, req, code, JSON.stringify(body));
  }

  private sendJson(
    res: http.ServerResponse,
    req: http.IncomingMessage,
    code: number,
    text: string | Buffer,
  ): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.record(req, url, code);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const bodyText = method === 'GET' || method === 'HEAD' ? '' : await this.readBody(req);

    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
      return this.sendStatus(res, req, 401, 'Unauthorized');
    }
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (typeof f.path === 'string' ? f.path !== url.pathname : !f.path.test(url.pathname)) continue;
      if (f.toSkip > 0) {
        f.toSkip -= 1;
        continue;
      }
      f.remaining -= 1;
      if (f.hang) {
        this.record(req, url, 0);
        return; // never answered; close() drops the connection
      }
      return this.sendStatus(res, req, f.status ?? 500, f.message);
    }
    for (const r of this.routes) {
      if (r.method !== method && r.method !== '*') continue;
      const match = url.pathname.match(r.pattern);
      if (!match) continue;
      let body: unknown;
      if (bodyText) {
        try {
          body = JSON.parse(bodyText);
        } catch {
          body = bodyText;
        }
      }
      const out = await r.handler(req, res, { server: this, url, match, body });
      if (!res.headersSent && !res.writableEnded) {
        this.sendJson(res, req, 200, JSON.stringify(out ?? {}));
      } else {
        this.record(req, url, res.statusCode);
      }
      return;
    }
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET') {
      const disc = this.discovery(p);
      if (disc !== undefined) return this.sendJson(res, req, 200, JSON.stringify(disc));
    }
    return this.rest(req, res, url, method, p, bodyText);
  }

  private discovery(p: string): unknown {
    if (p === '/version') return this.versionInfo;
    const defs = this.resources();
    if (p === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(this.url).host }],
      };
    }
    if (p === '/api/v1') return this.resourceList('', 'v1', defs);
    if (p === '/apis') {
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups(defs) };
    }
    const g = p.match(/^\/apis\/([^/]+)$/);
    if (g) {
      const grp = this.groups(defs).find((x) => x.name === g[1]);
      return grp ? { kind: 'APIGroup', apiVersion: 'v1', ...grp } : undefined;
    }
    const gv = p.match(/^\/apis\/([^/]+)\/([^/]+)$/);
    if (gv && defs.some((d) => d.group === gv[1] && d.version === gv[2])) {
      return this.resourceList(gv[1]!, gv[2]!, defs);
    }
    return undefined;
  }

  private groups(defs: ResourceDef[]) {
    const groups = new Map<string, string[]>();
    for (const d of defs) {
      if (!d.group) continue;
      const vs = groups.get(d.group) ?? [];
      if (!vs.includes(d.version)) vs.push(d.version);
      groups.set(d.group, vs);
    }
    return [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    }));
  }

  private resourceList(group: string, version: string, defs: ResourceDef[]) {
    const resources: Record<string, unknown>[] = [];
    for (const d of defs) {
      if (d.group !== group || d.version !== version) continue;
      resources.push({
        name: d.resource,
        singularName: d.singular ?? d.kind.toLowerCase(),
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: d.verbs ?? ALL_VERBS,
        ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      });
      for (const sub of d.subresources ?? []) {
        resources.push({
          name: `${d.resource}/${sub}`,
          singularName: '',
          namespaced: d.namespaced,
          kind: sub === 'log' ? 'Pod' : d.kind,
          verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
        });
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  private async rest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    method: string,
    p: string,
    bodyText: string,
  ): Promise<void> {
    const segs = p.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) {
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 3) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else {
      return this.sendStatus(res, req, 404, `the server could not find the requested resource`);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, sub] = rest;
    const coll = resource ? this.collection(group, version, resource) : undefined;
    if (!coll || rest.length > 3 || (namespace !== undefined && !coll.def.namespaced)) {
      return this.sendStatus(res, req, 404, `the server could not find the requested resource`);
    }
    if (sub !== undefined) {
      return this.sendStatus(
        res,
        req,
        404,
        `the server could not find the requested resource (${resource}/${sub})`,
      );
    }
    const def = coll.def;
    const notFound = (n: string) =>
      this.sendStatus(res, req, 404, `${def.resource}${def.group ? `.${def.group}` : ''} "${n}" not found`, {
        name: n,
        group: def.group,
        kind: def.resource,
      });

    if (name === undefined) {
      if (method === 'GET') {
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          return this.watch(req, res, url, coll, namespace);
        }
        return this.listPage(req, res, url, coll, namespace);
      }
      if (method === 'POST') {
        const obj = parseBody(bodyText) as KObject | undefined;
        if (!obj || typeof obj !== 'object' || !obj.metadata?.name) {
          return this.sendStatus(res, req, 422, `${def.kind} is invalid: metadata.name: Required value`);
        }
        const ns = def.namespaced ? (namespace ?? obj.metadata.namespace ?? 'default') : undefined;
        const key = keyOf(def, ns, obj.metadata.name);
        if (coll.entries.has(key)) {
          return this.sendStatus(
            res,
            req,
            409,
            `${def.resource}${def.group ? `.${def.group}` : ''} "${obj.metadata.name}" already exists`,
            { name: obj.metadata.name, group: def.group, kind: def.resource },
          );
        }
        const stored = this.storeHttp(coll, key, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
        return this.sendJson(res, req, 201, JSON.stringify(stored));
      }
      return this.sendStatus(res, req, 405, `method ${method} not allowed on a collection`);
    }

    const key = keyOf(def, namespace, name);
    const entry = coll.entries.get(key);
    switch (method) {
      case 'GET':
        if (!entry) return notFound(name);
        return this.sendJson(res, req, 200, entry.json);
      case 'PUT': {
        const obj = parseBody(bodyText) as KObject | undefined;
        if (!obj || typeof obj !== 'object') return this.sendStatus(res, req, 400, 'invalid body');
        if (!entry) return notFound(name);
        const want = obj.metadata?.resourceVersion;
        if (want && want !== entry.obj.metadata?.resourceVersion) {
          return this.sendStatus(
            res,
            req,
            409,
            `Operation cannot be fulfilled on ${def.resource}${def.group ? `.${def.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name, group: def.group, kind: def.resource },
          );
        }
        const stored = this.storeHttp(
          coll,
          key,
          { ...obj, metadata: { ...obj.metadata, name, namespace } },
          entry,
        );
        return this.sendJson(res, req, 200, JSON.stringify(stored));
      }
      case 'PATCH': {
        const ctype = String(req.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim();
        let patch: unknown;
        try {
          patch = ctype === 'application/apply-patch+yaml' ? parseYaml(bodyText) : JSON.parse(bodyText);
        } catch {
          return this.sendStatus(res, req, 400, 'invalid patch body');
        }
        if (ctype === 'application/json-patch+json') {
          return this.sendStatus(res, req, 415, 'json-patch is not supported by the fake API server');
        }
        if (!entry && ctype !== 'application/apply-patch+yaml') return notFound(name);
        const merged = mergePatch(entry?.obj ?? {}, patch) as KObject;
        const stored = this.storeHttp(
          coll,
          key,
          { ...merged, metadata: { ...merged.metadata, name, namespace } },
          entry,
        );
        return this.sendJson(res, req, entry ? 200 : 201, JSON.stringify(stored));
      }
      case 'DELETE': {
        if (!entry) return notFound(name);
        coll.entries.delete(key);
        coll.sorted = undefined;
        this.emit('DELETED', coll, entry);
        return this.sendJson(
          res,
          req,
          200,
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name, group: def.group, kind: def.resource, uid: entry.obj.metadata?.uid },
          }),
        );
      }
      default:
        return this.sendStatus(res, req, 405, `method ${method} not allowed`);
    }
  }

  private storeHttp(coll: Collection, key: string, obj: KObject, prev?: Entry): KObject {
    const def = coll.def;
    const clean = { ...obj, apiVersion: gvOf(def), kind: def.kind };
    if (!def.namespaced && clean.metadata) delete clean.metadata.namespace;
    const stored = this.stamp(coll, clean, prev?.obj);
    const entry = Entry.of(stored);
    coll.entries.set(key, entry);
    if (!prev) coll.sorted = undefined;
    this.emit(prev ? 'MODIFIED' : 'ADDED', coll, entry);
    return stored;
  }

  private itemJson(coll: Collection, entry: Entry): Buffer {
    // The real API server leaves kind/apiVersion out of built-in list items, keeps them for custom ones.
    return coll.def.builtin ? entry.body : Buffer.from(entry.json);
  }

  private selectors(url: URL): Selector | undefined {
    const ls = url.searchParams.get('labelSelector');
    const fs = url.searchParams.get('fieldSelector');
    const sels: Selector[] = [];
    if (ls) sels.push(parseLabelSelector(ls));
    if (fs) sels.push(parseFieldSelector(fs));
    if (sels.length === 0) return undefined;
    return (o) => sels.every((s) => s(o));
  }

  private listPage(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    coll: Collection,
    namespace: string | undefined,
  ): void {
    const def = coll.def;
    let sel: Selector | undefined;
    try {
      sel = this.selectors(url);
    } catch (err) {
      return this.sendStatus(res, req, 400, (err as Error).message);
    }
    const keys = this.sortedKeys(coll);
    let start = 0;
    let end = keys.length;
    if (namespace !== undefined) {
      // lowerBound gives the first key > its argument; `${ns}/` itself is never a key (names are non-empty).
      start = lowerBound(keys, `${namespace}/`);
      end = lowerBound(keys, `${namespace}/\uffff`);
    }
    const cont = url.searchParams.get('continue');
    let listRv = String(this.rv);
    if (cont) {
      let token: { rv?: string; after?: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch {
        return this.sendStatus(res, req, 400, 'continue key is not valid');
      }
      if (typeof token.after !== 'string') return this.sendStatus(res, req, 400, 'continue key is not valid');
      start = Math.max(start, lowerBound(keys, token.after));
      listRv = token.rv ?? listRv;
    }
    let limit = Number(url.searchParams.get('limit') ?? '0');
    if (!Number.isFinite(limit) || limit < 0) limit = 0;
    if (this.opts.maxPageSize && (limit === 0 || limit > this.opts.maxPageSize))
      limit = this.opts.maxPageSize;
    const items: Buffer[] = [];
    let i = start;
    let lastKey: string | undefined;
    for (; i < end; i++) {
      if (limit > 0 && items.length >= limit) break;
      const k = keys[i]!;
      const entry = coll.entries.get(k)!;
      if (sel && !sel(entry.obj)) continue;
      items.push(this.itemJson(coll, entry));
      lastKey = k;
    }
    const more = i < end && lastKey !== undefined;
    const meta: Record<string, unknown> = { resourceVersion: listRv };
    if (more) {
      meta.continue = Buffer.from(JSON.stringify({ rv: listRv, after: lastKey })).toString('base64url');
      if (!sel) meta.remainingItemCount = end - i;
    }
    const head = JSON.stringify({ kind: `${def.kind}List`, apiVersion: gvOf(def), metadata: meta });
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
    items.forEach((b, n) => {
      if (n > 0) parts.push(COMMA);
      parts.push(b);
    });
    parts.push(CLOSE);
    this.sendJson(res, req, 200, Buffer.concat(parts));
  }

  private watch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    coll: Collection,
    namespace: string | undefined,
  ): void {
    let sel: Selector | undefined;
    try {
      sel = this.selectors(url);
    } catch (err) {
      return this.sendStatus(res, req, 400, (err as Error).message);
    }
    this.record(req, url, 200);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const matches = (o: KObject) =>
      (namespace === undefined || o.metadata?.namespace === namespace) && (!sel || sel(o));
    const send = (type: string, o: KObject) => res.write(JSON.stringify({ type, object: o }) + '\n');
    const rv = url.searchParams.get('resourceVersion');
    if (!rv || rv === '0') {
      for (const k of this.sortedKeys(coll)) {
        const o = coll.entries.get(k)!.obj;
        if (matches(o)) send('ADDED', o);
      }
    }
    const listener: WatchListener = (type, c, entry) => {
      if (c === coll && matches(entry.obj)) send(type, entry.obj);
    };
    this.watchers.add(listener);
    const stop = () => {
      this.watchers.delete(listener);
      clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    const secs = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = secs > 0 ? setTimeout(stop, secs * 1000) : undefined;
    req.on('close', stop);
  }
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    try {
      return parseYaml(text);
    } catch {
      return undefined;
    }
  }
}

function defaultMessage(code: number): string {
  switch (code) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'forbidden: User "system:anonymous" cannot perform this action';
    case 500:
      return 'Internal error occurred: injected fault';
    case 503:
      return 'the server is currently unable to handle the request';
    default:
      return REASONS[code] ?? `HTTP ${code}`;
  }
}

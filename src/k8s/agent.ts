/**
 * `aicr snapshot --deploy-agent`: runs the snapshot on a cluster node as a Kubernetes Job and reads the
 * result back.
 *
 *  1. Pre-flight: one SelfSubjectAccessReview per permission the deployment needs; every missing one is
 *     listed in a single UNAUTHORIZED error (exit 4). An unreachable API server is exit 6.
 *  2. `--runtime-class`: the RuntimeClass must exist (exit 3 otherwise).
 *  3. Deploy: Namespace (if missing), ServiceAccount, Role, RoleBinding, ClusterRole, ClusterRoleBinding
 *     (created, or updated when present) and the Job (an old Job of the same name is deleted first).
 *  4. Wait up to `--timeout`: the Job is polled; the agent pod's state is shown as progress and its logs
 *     are streamed to stderr. Complete → go on. Failed → the agent's exit code becomes ours (an agent
 *     that exits 3 makes the CLI exit 3; anything unexpected is 8) and the logs are printed if they were
 *     not streamed in full. Timeout → exit 5, naming the pod's last state.
 *  5. Read the snapshot back from the agent's ConfigMap.
 *  6. Cleanup (unless `--no-cleanup`): Job and RBAC objects are deleted — after success, failure and
 *     interruption (Ctrl-C) alike — with a fresh 30 s deadline. The result ConfigMap is kept.
 */
import http from 'node:http';
import https from 'node:https';
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError, type ErrorCode } from '../errors/index.js';
import { pickDocumentKey } from '../io/configmap.js';
import { parseConfigMapUri } from '../io/uri.js';
import { log } from '../logging/logger.js';
import {
  AGENT_CONTAINER,
  agentPodSelector,
  buildAgentObjects,
  RBAC_GROUP,
  type AgentConfig,
  type AgentObjects,
  type KubeObject,
} from './agent-manifests.js';
import { describeApiError, loadKubeConfig, makeApiClient, type LoadedKubeConfig } from './client.js';
import { requestTimeoutFromEnv } from './configmap.js';
import {
  apiError,
  callSignal,
  isAbortError,
  isAlreadyExists,
  isNotFound,
  type ApiCallContext,
} from './errors.js';
import { Progress } from './progress.js';
import { formatDuration } from '../util/duration.js';
import { mapPool } from '../util/pool.js';

export const CLEANUP_TIMEOUT_MS = 30_000;
export const JOB_DELETE_WAIT_MS = 30_000;

/** Ctrl-C (or another abort of the run's signal): cleanup has run; the CLI exits 130. */
export class InterruptedError extends AicrError {
  constructor(what: string) {
    super('INTERNAL', `interrupted while ${what}`);
    this.name = 'InterruptedError';
  }
}

export interface AgentRunOptions {
  kubeconfig?: string;
  /** Delete the Job and RBAC objects afterwards (default true). */
  cleanup?: boolean;
  /** Aborting it (Ctrl-C) stops waiting; cleanup still runs. */
  signal?: AbortSignal;
  /** Job status poll interval (default 1 s). */
  pollMs?: number;
  /** Deadline of each API call (default 30 s or AICR_K8S_REQUEST_TIMEOUT). */
  requestTimeoutMs?: number;
  progress?: Progress;
}

export interface AgentResult {
  /** The snapshot document as the agent wrote it. */
  text: string;
  format: 'yaml' | 'json';
  /** The ConfigMap it was read from. */
  uri: string;
  /** The agent pod's node, when known. */
  node?: string;
}

type Api<T> = new (config: K8sModule.Configuration) => T;
type CallCtx = Omit<ApiCallContext, 'server' | 'deadline' | 'timeoutMs'>;

/** API access with a per-call deadline, the run's interrupt signal and error mapping. */
class Kube {
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
  async call<A, T>(
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

// ------------------------------------------------------------------------------------------ pre-flight

export interface PermissionCheck {
  verb: string;
  /** API group ('' = core). */
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: cluster-scoped. */
  namespace?: string;
}

/** `create clusterroles.rbac.authorization.k8s.io (cluster-scoped)`, as `kubectl auth can-i` names it. */
export function describePermission(p: PermissionCheck): string {
  const res = `${p.resource}${p.group ? `.${p.group}` : ''}${p.subresource ? `/${p.subresource}` : ''}`;
  return `${p.verb} ${res} ${p.namespace !== undefined ? `(namespace "${p.namespace}")` : '(cluster-scoped)'}`;
}

/**
 * What the user deploying the agent needs. Besides creating the objects, Kubernetes only lets a user
 * create a Role/ClusterRole (and bind it) when they hold its permissions themselves, or have `escalate`;
 * those are listed too.
 */
export function requiredPermissions(
  cfg: Pick<AgentConfig, 'namespace'>,
  cleanup: boolean,
): { direct: PermissionCheck[]; grantedNamespaced: PermissionCheck[]; grantedCluster: PermissionCheck[] } {
  const ns = cfg.namespace;
  const n = (verb: string, group: string, resource: string, subresource?: string): PermissionCheck => ({
    verb,
    group,
    resource,
    ...(subresource ? { subresource } : {}),
    namespace: ns,
  });
  const c = (verb: string, group: string, resource: string): PermissionCheck => ({ verb, group, resource });
  const direct = [
    n('create', '', 'serviceaccounts'),
    n('create', RBAC_GROUP, 'roles'),
    n('create', RBAC_GROUP, 'rolebindings'),
    n('create', 'batch', 'jobs'),
    n('get', 'batch', 'jobs'),
    n('delete', 'batch', 'jobs'),
    n('list', '', 'pods'),
    n('get', '', 'pods', 'log'),
    n('get', '', 'configmaps'),
    c('create', RBAC_GROUP, 'clusterroles'),
    c('create', RBAC_GROUP, 'clusterrolebindings'),
  ];
  if (cleanup) {
    direct.push(
      n('delete', '', 'serviceaccounts'),
      n('delete', RBAC_GROUP, 'roles'),
      n('delete', RBAC_GROUP, 'rolebindings'),
      c('delete', RBAC_GROUP, 'clusterroles'),
      c('delete', RBAC_GROUP, 'clusterrolebindings'),
    );
  }
  const grantedNamespaced = [
    ...['create', 'get', 'update', 'patch'].map((v) => n(v, '', 'configmaps')),
    ...['get', 'list'].map((v) => n(v, '', 'pods')),
  ].filter((p) => !direct.some((d) => describePermission(d) === describePermission(p)));
  const grantedCluster = [
    ...['get', 'list'].map((v) => c(v, '', 'nodes')),
    ...['get', 'list'].map((v) => c(v, '', 'pods')),
    ...['get', 'list'].map((v) => c(v, 'nvidia.com', 'clusterpolicies')),
  ];
  return { direct, grantedNamespaced, grantedCluster };
}

/** Asks the API server which of `checks` the current user is allowed; undefined when it cannot tell. */
async function accessReview(kube: Kube, checks: PermissionCheck[]): Promise<boolean[] | undefined> {
  try {
    return await mapPool(checks, 8, async (p) => {
      const res = await kube.call(
        kube.k8s.AuthorizationV1Api,
        {
          verb: 'create',
          resource: 'selfsubjectaccessreviews.authorization.k8s.io',
          what: 'a SelfSubjectAccessReview',
        },
        (api) =>
          api.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb: p.verb,
                  group: p.group,
                  resource: p.resource,
                  ...(p.subresource ? { subresource: p.subresource } : {}),
                  ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
                },
              },
            },
          }),
        (err) => {
          const s = (err as { code?: unknown }).code;
          return s === 403 || s === 404;
        },
      );
      return res.status?.allowed === true;
    });
  } catch (err) {
    if (err instanceof AicrError) throw err;
    // 403/404: this user may not create access reviews, or the API is not served; the deployment
    // itself will report what is missing.
    log().warn('cannot check permissions before deploying the agent; continuing', {
      error: describeApiError(err),
    });
    return undefined;
  }
}

/** Pre-flight check: throws UNAUTHORIZED listing every missing permission. */
async function preflight(kube: Kube, cfg: AgentConfig, cleanup: boolean): Promise<void> {
  const { direct, grantedNamespaced, grantedCluster } = requiredPermissions(cfg, cleanup);
  const all = [...direct, ...grantedNamespaced, ...grantedCluster];
  const allowed = await accessReview(kube, all);
  if (!allowed) return;
  let missing = all.filter((_, i) => !allowed[i]);
  const missingNs = missing.filter((p) => grantedNamespaced.includes(p));
  const missingCluster = missing.filter((p) => grantedCluster.includes(p));
  if (missingNs.length || missingCluster.length) {
    // Holding `escalate` on (cluster)roles lets a user grant permissions they do not hold.
    const esc = await accessReview(kube, [
      { verb: 'escalate', group: RBAC_GROUP, resource: 'roles', namespace: cfg.namespace },
      { verb: 'escalate', group: RBAC_GROUP, resource: 'clusterroles' },
    ]);
    if (esc?.[0]) missing = missing.filter((p) => !missingNs.includes(p));
    if (esc?.[1]) missing = missing.filter((p) => !missingCluster.includes(p) && !missingNs.includes(p));
  }
  if (missing.length === 0) return;
  const lines = missing.map((p) => `  - ${describePermission(p)}`).join('\n');
  throw new AicrError(
    'UNAUTHORIZED',
    `insufficient permissions to deploy the snapshot agent on ${kube.server}; missing:\n${lines}\n` +
      `Ask a cluster admin to grant them (docs/kubernetes.md lists the Role and ClusterRole), or run ` +
      `'aicr snapshot --deploy-agent --print-manifests' and have an admin apply the manifests`,
  );
}

// ------------------------------------------------------------------------------------------ deploy

async function checkRuntimeClass(kube: Kube, name: string): Promise<void> {
  try {
    await kube.call(
      kube.k8s.NodeV1Api,
      { verb: 'get', resource: 'runtimeclasses.node.k8s.io', name, what: `RuntimeClass "${name}"` },
      (api) => api.readRuntimeClass({ name }),
      (err) => isNotFound(err) || (err as { code?: unknown }).code === 403,
    );
  } catch (err) {
    if (err instanceof AicrError) throw err;
    if (isNotFound(err)) {
      throw new AicrError(
        'NOT_FOUND',
        `RuntimeClass "${name}" (--runtime-class) not found on ${kube.server}; the NVIDIA GPU Operator creates it ` +
          `(usually "nvidia") — is it installed? Omit --runtime-class or name an existing one`,
      );
    }
    log().debug('cannot read RuntimeClass; assuming it exists', { runtimeClass: name });
  }
}

const asBody = (o: KubeObject) => o as never;

/** Creates `obj`, or updates it when it already exists. */
async function createOrUpdate<A>(
  kube: Kube,
  api: Api<A>,
  obj: KubeObject,
  resource: string,
  create: (client: A, body: never) => Promise<unknown>,
  replace: (client: A, body: never) => Promise<unknown>,
): Promise<void> {
  const ctx = (verb: string): CallCtx => ({
    verb,
    resource,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    what: `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`,
  });
  try {
    await kube.call(api, ctx('create'), (c) => create(c, asBody(obj)), isAlreadyExists);
    log().debug(`created ${obj.kind}`, { name: obj.metadata.name });
  } catch (err) {
    if (err instanceof AicrError) throw namespaceHint(err, obj);
    await kube.call(api, ctx('update'), (c) => replace(c, asBody(obj)));
    log().debug(`updated ${obj.kind}`, { name: obj.metadata.name });
  }
}

function namespaceHint(err: AicrError, obj: KubeObject): AicrError {
  if (err.code === 'NOT_FOUND' && obj.metadata.namespace) {
    return new AicrError(
      'NOT_FOUND',
      `cannot create ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: namespace "${obj.metadata.namespace}" not found (and aicr could not create it)`,
      err,
    );
  }
  return err;
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Another run with the same Job name and namespace must not be clobbered: a Job of that name that has
 * not finished (and is not being deleted) belongs to a run still in progress, so this run stops before
 * it creates or changes anything. A finished Job is a leftover (e.g. `--no-cleanup`) and is replaced.
 */
async function checkNoActiveRun(kube: Kube, cfg: AgentConfig): Promise<void> {
  const ns = cfg.namespace;
  let job: K8sModule.V1Job;
  try {
    job = await kube.call(
      kube.k8s.BatchV1Api,
      {
        verb: 'get',
        resource: 'jobs.batch',
        namespace: ns,
        name: cfg.jobName,
        what: `Job ${ns}/${cfg.jobName}`,
      },
      (api) => api.readNamespacedJob({ name: cfg.jobName, namespace: ns }),
      isNotFound,
    );
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (job.metadata?.deletionTimestamp || jobOutcome(job).state !== 'running') return;
  throw activeRunError(kube, cfg, job.metadata?.creationTimestamp);
}

/** Another run holds the Job name: this run leaves every object alone, cleanup included. */
class ActiveRunError extends AicrError {}

function activeRunError(kube: Kube, cfg: AgentConfig, since?: Date | string): AicrError {
  const ns = cfg.namespace;
  const when = since ? ` (created ${since instanceof Date ? since.toISOString() : since})` : '';
  return new ActiveRunError(
    'SERVICE_UNAVAILABLE',
    `another snapshot run is active: Job ${ns}/${cfg.jobName}${when} on ${kube.server} has not finished; ` +
      `wait for it, use another --job-name, or delete it if it is stale (kubectl -n ${ns} delete job ${cfg.jobName})`,
  );
}

/** Deploys the objects; returns the new Job's uid. */
async function deploy(kube: Kube, cfg: AgentConfig, objs: AgentObjects, pollMs: number): Promise<string> {
  const { k8s } = kube;
  const ns = cfg.namespace;
  try {
    await kube.call(
      k8s.CoreV1Api,
      { verb: 'create', resource: 'namespaces', name: ns, what: `namespace "${ns}"` },
      (api) => api.createNamespace({ body: asBody(objs.namespace) }),
      () => true,
    );
    log().info('created namespace', { namespace: ns });
  } catch (err) {
    if (err instanceof AicrError) throw err;
    // Exists already (409) or this user may not create namespaces (403): go on either way.
    log().debug('namespace not created', { namespace: ns, reason: describeApiError(err) });
  }

  const sa = objs.serviceAccount;
  try {
    await kube.call(
      k8s.CoreV1Api,
      {
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: ns,
        name: sa.metadata.name,
        what: `ServiceAccount ${ns}/${sa.metadata.name}`,
      },
      (api) => api.createNamespacedServiceAccount({ namespace: ns, body: asBody(sa) }),
      isAlreadyExists,
    );
  } catch (err) {
    if (err instanceof AicrError) throw namespaceHint(err, sa);
    log().debug('ServiceAccount exists already', { name: sa.metadata.name });
  }

  const rbac = k8s.RbacAuthorizationV1Api;
  await createOrUpdate(
    kube,
    rbac,
    objs.role,
    'roles.rbac.authorization.k8s.io',
    (c, body) => c.createNamespacedRole({ namespace: ns, body }),
    (c, body) => c.replaceNamespacedRole({ namespace: ns, name: objs.role.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.roleBinding,
    'rolebindings.rbac.authorization.k8s.io',
    (c, body) => c.createNamespacedRoleBinding({ namespace: ns, body }),
    (c, body) =>
      c.replaceNamespacedRoleBinding({ namespace: ns, name: objs.roleBinding.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.clusterRole,
    'clusterroles.rbac.authorization.k8s.io',
    (c, body) => c.createClusterRole({ body }),
    (c, body) => c.replaceClusterRole({ name: objs.clusterRole.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.clusterRoleBinding,
    'clusterrolebindings.rbac.authorization.k8s.io',
    (c, body) => c.createClusterRoleBinding({ body }),
    (c, body) => c.replaceClusterRoleBinding({ name: objs.clusterRoleBinding.metadata.name, body }),
  );

  // A Job's template cannot be changed: an old Job of the same name is deleted and waited for.
  const jobName = cfg.jobName;
  const jobCtx = (verb: string): CallCtx => ({
    verb,
    resource: 'jobs.batch',
    namespace: ns,
    name: jobName,
    what: `Job ${ns}/${jobName}`,
  });
  try {
    await kube.call(
      k8s.BatchV1Api,
      jobCtx('delete'),
      (api) => api.deleteNamespacedJob({ name: jobName, namespace: ns, propagationPolicy: 'Foreground' }),
      isNotFound,
    );
    log().info('deleted the previous agent Job', { job: `${ns}/${jobName}` });
    const until = Date.now() + JOB_DELETE_WAIT_MS;
    for (;;) {
      try {
        await kube.call(
          k8s.BatchV1Api,
          jobCtx('get'),
          (api) => api.readNamespacedJob({ name: jobName, namespace: ns }),
          isNotFound,
        );
      } catch (err) {
        if (isNotFound(err)) break;
        throw err;
      }
      if (Date.now() >= until) {
        throw new AicrError(
          'TIMEOUT',
          `the previous Job ${ns}/${jobName} was still being deleted after ${JOB_DELETE_WAIT_MS / 1000}s; delete it (kubectl -n ${ns} delete job ${jobName}) or use another --job-name`,
        );
      }
      await sleep(Math.min(pollMs, 500), kube.interrupt);
      if (kube.interrupt?.aborted) throw new InterruptedError('waiting for the previous Job to be deleted');
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  let created: K8sModule.V1Job;
  try {
    created = await kube.call(
      k8s.BatchV1Api,
      jobCtx('create'),
      (api) => api.createNamespacedJob({ namespace: ns, body: asBody(objs.job) }),
      isAlreadyExists,
    );
  } catch (err) {
    // Another run created the Job between our check and now: its objects are not ours to delete.
    if (isAlreadyExists(err)) throw activeRunError(kube, cfg);
    throw err;
  }
  log().info('deployed the snapshot agent', { job: `${ns}/${jobName}`, image: cfg.image });
  return created.metadata?.uid ?? '';
}

// ------------------------------------------------------------------------------------------ wait + logs

interface PodView {
  name: string;
  node?: string;
  /** One-line state for the progress display. */
  text: string;
  /** The container has started (its logs can be read). */
  started: boolean;
  waitingReason?: string;
  terminated?: { exitCode: number; reason?: string; message?: string };
}

export function describePod(pod: K8sModule.V1Pod): PodView {
  const name = pod.metadata?.name ?? '?';
  const node = pod.spec?.nodeName || undefined;
  const phase = pod.status?.phase ?? 'Pending';
  const cs =
    (pod.status?.containerStatuses ?? []).find((c) => c.name === AGENT_CONTAINER) ??
    pod.status?.containerStatuses?.[0];
  const term = cs?.state?.terminated;
  const waiting = cs?.state?.waiting;
  const view: PodView = { name, node, text: phase, started: !!(cs?.state?.running || term) };
  if (term) {
    view.terminated = { exitCode: term.exitCode, reason: term.reason, message: term.message };
    view.text = `${phase}: container exited with code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}`;
  } else if (waiting?.reason) {
    view.waitingReason = waiting.reason;
    view.text = `${phase}: ${waiting.reason}${waiting.message ? ` - ${waiting.message}` : ''}`;
  } else if (phase === 'Pending') {
    const sched = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (sched?.status === 'False') {
      view.text = `Pending: ${sched.reason ?? 'not scheduled'}${sched.message ? ` - ${sched.message}` : ''}`;
    }
  }
  if (node && !term) view.text += ` on node ${node}`;
  return view;
}

/** Follows the agent container's log, passing whole lines to `sink`. */
class LogFollower {
  /** Everything printed so far. */
  streamed = '';
  private started = false;
  private failures = 0;
  private controller?: AbortController;
  private ended?: Promise<void>;
  private partial = '';

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly sink: (line: string) => void,
  ) {}

  /** Starts following `pod` in the background (never blocks the caller; `stop()` ends it). */
  start(pod: string): void {
    if (this.started || this.failures >= 3) return;
    this.started = true;
    const controller = new AbortController();
    this.controller = controller;
    this.ended = this.follow(pod, controller.signal).then(
      () => undefined,
      (err: unknown) => {
        if (controller.signal.aborted) return;
        this.started = false;
        this.failures++;
        log().debug('cannot follow agent logs yet', {
          pod,
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
  }

  /** `GET …/pods/<pod>/log?follow=true` with the kubeconfig's credentials, until the stream ends. */
  private async follow(pod: string, signal: AbortSignal): Promise<void> {
    const { kc, server } = this.kube.conn;
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const url = new URL(
      `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    url.searchParams.set('container', AGENT_CONTAINER);
    url.searchParams.set('follow', 'true');
    const mod = url.protocol === 'https:' ? https : http;
    await new Promise<void>((resolve, reject) => {
      const req = mod.request(url, { ...opts, method: 'GET', signal }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode} reading the logs of pod ${pod}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.push(chunk));
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('close', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  }

  private push(chunk: string): void {
    this.streamed += chunk;
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.sink(line);
  }

  /** Waits up to `ms` for the stream to end (the pod has terminated), then stops it. */
  async drain(ms: number): Promise<void> {
    if (this.ended && this.controller) {
      const t = new AbortController();
      await Promise.race([this.ended, sleep(ms, t.signal)]);
      t.abort();
    }
    this.stop();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    if (this.partial) {
      this.sink(this.partial);
      this.partial = '';
    }
  }
}

const EXIT_CODE_CAUSE: Record<number, ErrorCode> = {
  2: 'INVALID_REQUEST',
  3: 'NOT_FOUND',
  4: 'UNAUTHORIZED',
  5: 'TIMEOUT',
  6: 'SERVICE_UNAVAILABLE',
  7: 'RATE_LIMIT_EXCEEDED',
  8: 'INTERNAL',
};

/** Job outcome from its status: conditions first, then the succeeded/failed counters. */
export function jobOutcome(job: K8sModule.V1Job): {
  state: 'complete' | 'failed' | 'running';
  reason?: string;
  message?: string;
} {
  const conds = job.status?.conditions ?? [];
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { state: 'failed', reason: failed.reason, message: failed.message };
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) return { state: 'complete' };
  return { state: 'running' };
}

class AgentFailure extends AicrError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly pod?: string,
  ) {
    super(code, message);
  }
}

async function waitForJob(
  kube: Kube,
  cfg: AgentConfig,
  jobUid: string,
  pollMs: number,
  progress: Progress,
  follower: LogFollower,
): Promise<PodView | undefined> {
  const { k8s } = kube;
  const ns = cfg.namespace;
  const start = Date.now();
  const deadlineAt = start + cfg.timeoutMs;
  let pod: PodView | undefined;
  const warned = new Set<string>();
  let lastFailedCreate: string | undefined;
  progress.status(`waiting for the agent Job ${ns}/${cfg.jobName} to start a pod`);
  for (;;) {
    if (kube.interrupt?.aborted) throw new InterruptedError('waiting for the snapshot agent');
    const job = await kube.call(
      k8s.BatchV1Api,
      {
        verb: 'get',
        resource: 'jobs.batch',
        namespace: ns,
        name: cfg.jobName,
        what: `Job ${ns}/${cfg.jobName}`,
      },
      (api) => api.readNamespacedJob({ name: cfg.jobName, namespace: ns }),
    );
    const outcome = jobOutcome(job);

    try {
      const pods = await kube.call(
        k8s.CoreV1Api,
        { verb: 'list', resource: 'pods', namespace: ns, what: 'the agent pods' },
        (api) => api.listNamespacedPod({ namespace: ns, labelSelector: agentPodSelector(cfg) }),
      );
      const mine = (pods.items ?? [])
        .filter((p) => !jobUid || (p.metadata?.ownerReferences ?? []).some((o) => o.uid === jobUid))
        .sort((a, b) =>
          String(b.metadata?.creationTimestamp ?? '').localeCompare(
            String(a.metadata?.creationTimestamp ?? ''),
          ),
        );
      if (mine[0]) {
        pod = describePod(mine[0]);
        progress.status(`agent pod ${pod.name}: ${pod.text}`);
        if (
          pod.waitingReason &&
          /Err|BackOff|Invalid|Error/.test(pod.waitingReason) &&
          !warned.has(pod.waitingReason)
        ) {
          warned.add(pod.waitingReason);
          log().warn(`agent pod ${pod.name} cannot start its container: ${pod.text}`);
        }
        if (pod.started) follower.start(pod.name);
      }
      if (!mine[0] && jobUid && outcome.state === 'running') {
        const failed = await failedCreate(kube, ns, jobUid);
        if (failed) {
          lastFailedCreate = failed;
          if (/violates PodSecurity/i.test(failed)) throw podSecurityError(kube, cfg, failed);
        }
      }
    } catch (err) {
      if (err instanceof InterruptedError || err instanceof AgentFailure) throw err;
      log().debug('cannot list the agent pods', { error: err instanceof Error ? err.message : String(err) });
    }

    if (outcome.state === 'complete') {
      await follower.drain(2000);
      return pod;
    }
    if (outcome.state === 'failed') {
      await follower.drain(2000);
      const exit = pod?.terminated?.exitCode;
      let code: ErrorCode = 'INTERNAL';
      if (outcome.reason === 'DeadlineExceeded') code = 'TIMEOUT';
      else if (exit !== undefined && EXIT_CODE_CAUSE[exit]) code = EXIT_CODE_CAUSE[exit]!;
      const why = [outcome.reason, outcome.message].filter(Boolean).join(': ');
      const exitText =
        exit !== undefined
          ? `; container ${AGENT_CONTAINER} exited with code ${exit}${pod?.terminated?.reason ? ` (${pod.terminated.reason})` : ''}`
          : '';
      throw new AgentFailure(
        code,
        `snapshot agent Job ${ns}/${cfg.jobName} failed${why ? ` (${why})` : ''}${exitText}${pod?.node ? ` on node ${pod.node}` : ''}`,
        pod?.name,
      );
    }
    const now = Date.now();
    if (now >= deadlineAt) {
      throw new AgentFailure(
        'TIMEOUT',
        `snapshot agent Job ${ns}/${cfg.jobName} did not complete within ${formatDuration(cfg.timeoutMs)}` +
          (pod
            ? ` (agent pod ${pod.name}: ${pod.text})`
            : lastFailedCreate
              ? ` (no agent pod was created: ${lastFailedCreate})`
              : ' (no agent pod was created)') +
          '; raise --timeout, or check the image, --node-selector and --toleration',
        pod?.name,
      );
    }
    await sleep(Math.min(pollMs, deadlineAt - now), kube.interrupt);
  }
}

/**
 * The newest `FailedCreate` event of the Job (the Job controller could not create the pod, e.g. Pod
 * Security admission refused it); undefined when there is none or events cannot be read.
 */
async function failedCreate(kube: Kube, ns: string, jobUid: string): Promise<string | undefined> {
  try {
    const events = await kube.call(
      kube.k8s.CoreV1Api,
      { verb: 'list', resource: 'events', namespace: ns, what: 'the agent Job events' },
      (api) =>
        api.listNamespacedEvent({
          namespace: ns,
          fieldSelector: `involvedObject.uid=${jobUid},reason=FailedCreate`,
        }),
    );
    const newest = (events.items ?? [])
      .map((e) => ({
        at: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''),
        message: e.message ?? '',
      }))
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    return newest?.message ? newest.message.replace(/\s+/g, ' ').trim() : undefined;
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    log().debug('cannot read the agent Job events', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** Pod Security admission refused the agent pod: no pod will ever start, so waiting is pointless. */
function podSecurityError(kube: Kube, cfg: AgentConfig, message: string): AgentFailure {
  const ns = cfg.namespace;
  const hint = cfg.privileged
    ? `run with --privileged=false (the agent then needs no host access; the SystemD and OS measurements come from the container), or use a namespace whose Pod Security level is "privileged"`
    : `use a namespace whose Pod Security level admits the agent, or ask an admin to relax pod-security.kubernetes.io/enforce on namespace "${ns}"`;
  return new AgentFailure(
    'UNAUTHORIZED',
    `Pod Security admission on ${kube.server} refused the snapshot agent pod of Job ${ns}/${cfg.jobName}: ${message}; ${hint}`,
  );
}

/** On failure: the agent's full log, unless streaming already showed all of it. */
async function printAgentLogs(
  kube: Kube,
  ns: string,
  pod: string | undefined,
  follower: LogFollower,
  progress: Progress,
) {
  if (!pod) return;
  let text: string;
  try {
    text = await readPodLog(kube, ns, pod);
  } catch (err) {
    log().warn('cannot read the agent logs', {
      pod: `${ns}/${pod}`,
      error: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  if (typeof text !== 'string' || text.trim() === '' || text.trim() === follower.streamed.trim()) return;
  progress.line('--- agent logs ---');
  for (const line of text.replace(/\n$/, '').split('\n')) progress.line(line);
  progress.line('--- end logs ---');
}

/**
 * `GET …/pods/<pod>/log` as text. The API answers HTTP 204 with no body and no Content-Type for a pod
 * whose container never started (e.g. one that never got a node); that is "no logs", not an error.
 * (The client library's readNamespacedPodLog throws "Cannot parse content" on it.)
 */
export async function readPodLog(kube: Kube, ns: string, pod: string): Promise<string> {
  const { kc, server } = kube.conn;
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(
    `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', AGENT_CONTAINER);
  const { signal, deadline } = callSignal(kube.timeoutMs);
  const mod = url.protocol === 'https:' ? https : http;
  const ctx: ApiCallContext = {
    verb: 'get',
    resource: 'pods/log',
    namespace: ns,
    name: pod,
    what: `the logs of pod ${ns}/${pod}`,
    server,
    deadline,
    timeoutMs: kube.timeoutMs,
  };
  const limit = 4 * 1024 * 1024;
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = mod.request(url, { ...opts, method: 'GET', signal }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        if (body.length < limit) body += c;
      });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      r.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  }).catch((err: unknown) => {
    throw apiError(err, ctx);
  });
  if (res.status === 204) return '';
  if (res.status >= 200 && res.status < 300) return res.body;
  throw apiError({ code: res.status, body: res.body }, ctx);
}

// ------------------------------------------------------------------------------------------ readback + cleanup

async function readBack(kube: Kube, cfg: AgentConfig): Promise<Omit<AgentResult, 'node'>> {
  const ref = parseConfigMapUri(cfg.output);
  const what = `ConfigMap ${ref.namespace}/${ref.name}`;
  const cm = await kube.call(
    kube.k8s.CoreV1Api,
    { verb: 'get', resource: 'configmaps', namespace: ref.namespace, name: ref.name, what },
    (api) => api.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace }),
  );
  const data = cm.data ?? {};
  const picked = pickDocumentKey(data, ['snapshot']);
  if (!picked) {
    throw new AicrError(
      'NOT_FOUND',
      `the snapshot agent finished but ${what} has no snapshot data (keys: ${Object.keys(data).sort().join(', ') || 'none'})`,
    );
  }
  return { text: data[picked.key]!, format: picked.format, uri: cfg.output };
}

/** Deletes the Job and RBAC objects; failures are a warning, never the run's result. */
async function cleanupAgent(kube: Kube, objs: AgentObjects, jobUid: string | undefined): Promise<void> {
  const { k8s } = kube;
  const rbac = k8s.RbacAuthorizationV1Api;
  const ns = objs.job.metadata.namespace!;
  const failures: string[] = [];
  const del = async <A>(obj: KubeObject, api: Api<A>, resource: string, fn: (c: A) => Promise<unknown>) => {
    const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    try {
      await kube.call(
        api,
        { verb: 'delete', resource, namespace: obj.metadata.namespace, name: obj.metadata.name, what: id },
        fn,
        isNotFound,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const { job, serviceAccount: sa, role, roleBinding: rb, clusterRole: cr, clusterRoleBinding: crb } = objs;
  await Promise.all([
    // Only the Job this run created (uid precondition): never another run's Job of the same name.
    jobUid
      ? del(job, k8s.BatchV1Api, 'jobs.batch', (c) =>
          c.deleteNamespacedJob({
            name: job.metadata.name,
            namespace: ns,
            propagationPolicy: 'Background',
            body: { preconditions: { uid: jobUid } },
          }),
        )
      : Promise.resolve(),
    del(sa, k8s.CoreV1Api, 'serviceaccounts', (c) =>
      c.deleteNamespacedServiceAccount({ name: sa.metadata.name, namespace: ns }),
    ),
    del(role, rbac, 'roles.rbac.authorization.k8s.io', (c) =>
      c.deleteNamespacedRole({ name: role.metadata.name, namespace: ns }),
    ),
    del(rb, rbac, 'rolebindings.rbac.authorization.k8s.io', (c) =>
      c.deleteNamespacedRoleBinding({ name: rb.metadata.name, namespace: ns }),
    ),
    del(cr, rbac, 'clusterroles.rbac.authorization.k8s.io', (c) =>
      c.deleteClusterRole({ name: cr.metadata.name }),
    ),
    del(crb, rbac, 'clusterrolebindings.rbac.authorization.k8s.io', (c) =>
      c.deleteClusterRoleBinding({ name: crb.metadata.name }),
    ),
  ]);
  if (failures.length) {
    log().warn(
      `failed to delete ${failures.length} agent resource(s); delete them by hand:\n  - ${failures.sort().join('\n  - ')}`,
    );
  } else {
    log().info('removed the agent Job and RBAC objects', { namespace: ns });
  }
}

// ------------------------------------------------------------------------------------------ run

/** Deploys the agent, waits for it, reads its snapshot back and cleans up. */
export async function runSnapshotAgent(cfg: AgentConfig, opts: AgentRunOptions = {}): Promise<AgentResult> {
  const cleanup = opts.cleanup ?? true;
  const pollMs = opts.pollMs ?? 1000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? requestTimeoutFromEnv();
  let conn: LoadedKubeConfig;
  try {
    conn = await loadKubeConfig({ kubeconfig: opts.kubeconfig });
  } catch (err) {
    throw new AicrError('INTERNAL', 'cannot deploy the snapshot agent', err);
  }
  const kube = new Kube(conn, requestTimeoutMs, opts.signal);
  const objs = buildAgentObjects(cfg);
  log().debug('deploying the snapshot agent', {
    server: conn.server,
    namespace: cfg.namespace,
    output: cfg.output,
  });

  await preflight(kube, cfg, cleanup);
  if (cfg.runtimeClass) await checkRuntimeClass(kube, cfg.runtimeClass);

  const progress = opts.progress ?? new Progress();
  const follower = new LogFollower(kube, cfg.namespace, (line) => progress.line(line));
  let pod: PodView | undefined;
  let owned = false;
  let jobUid: string | undefined;
  try {
    await checkNoActiveRun(kube, cfg);
    owned = true;
    let uid: string;
    try {
      uid = await deploy(kube, cfg, objs, pollMs);
    } catch (err) {
      if (err instanceof ActiveRunError) owned = false;
      throw err;
    }
    jobUid = uid || undefined;
    try {
      pod = await waitForJob(kube, cfg, uid, pollMs, progress, follower);
    } catch (err) {
      follower.stop();
      if (err instanceof AgentFailure) {
        // Fresh deadline: the logs are wanted even when the wait timed out.
        await printAgentLogs(new Kube(conn, requestTimeoutMs), cfg.namespace, err.pod, follower, progress);
      }
      throw err;
    }
    progress.stop();
    const res = await readBack(kube, cfg);
    log().info('snapshot collected by the agent', {
      configmap: cfg.output,
      ...(pod?.node ? { node: pod.node } : {}),
    });
    return { ...res, node: pod?.node };
  } finally {
    follower.stop();
    progress.stop();
    if (!owned) {
      log().debug('another run owns the agent objects; nothing to clean up');
    } else if (cleanup) {
      await cleanupAgent(new Kube(conn, CLEANUP_TIMEOUT_MS), objs, jobUid);
    } else {
      log().info(
        `--no-cleanup: left Job ${cfg.namespace}/${cfg.jobName}, ServiceAccount/Role/RoleBinding ${cfg.serviceAccountName} and ClusterRole/ClusterRoleBinding ${objs.clusterRole.metadata.name} in place`,
      );
    }
  }
}

/** Where the agent writes: `--output` when it is a ConfigMap in the agent namespace, else `<job>-snapshot` there. */
export function agentOutputUri(output: string | undefined, namespace: string, jobName: string): string {
  if (output && output.startsWith('cm://')) {
    const ref = parseConfigMapUri(output);
    if (ref.namespace === namespace) return `cm://${ref.namespace}/${ref.name}`;
  }
  return `cm://${namespace}/${jobName}-snapshot`;
}

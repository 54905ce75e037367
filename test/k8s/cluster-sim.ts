/**
 * Cluster behaviour on top of FakeKubeApiServer, for the ConfigMap and snapshot-agent tests:
 *
 *  - authorization: `deny()` makes SelfSubjectAccessReviews answer "not allowed" for a verb/resource and
 *    the matching REST calls answer 403, as RBAC would;
 *  - a Job controller: creating a Job creates its pod (labels, owner reference, template spec); the test
 *    drives the pod and Job through a `JobControl` (schedule, container waiting/running, log lines,
 *    success, failure with an exit code). Deleting a Job deletes its pods (garbage collection).
 *    `runAgentProcess` runs the Job's container command for real — the built CLI with the container's
 *    args and env, against this server — and reports its output as the pod log and its exit status as
 *    the container's;
 *  - pod logs: `GET …/pods/<name>/log`, plain or `follow=true` (streamed until the container ends);
 *  - a concurrent ConfigMap writer: `concurrentWriter()` changes a ConfigMap right after a client has read
 *    it, so the client's update carries a stale resourceVersion and gets a real 409 Conflict.
 */
import { spawn } from 'node:child_process';
import type http from 'node:http';
import type { FakeKubeApiServer, KObject } from './fake-api-server.js';

type Any = Record<string, any>;

export interface Denial {
  verb: string;
  resource: string;
  /** API group ('' = core, the default). */
  group?: string;
  subresource?: string;
  /** Only in this namespace (default: everywhere). */
  namespace?: string;
}

export interface JobControl {
  readonly job: KObject;
  readonly namespace: string;
  readonly podName: string;
  pod(): KObject;
  /** Binds the pod to a node (PodScheduled=True). */
  schedule(node?: string): void;
  /** PodScheduled=False with reason Unschedulable. */
  unschedulable(message: string): void;
  /** Container waiting (ContainerCreating, ErrImagePull, ImagePullBackOff, …). */
  waiting(reason: string, message?: string): void;
  /** Container running (logs can be read from now on). */
  start(): void;
  /** Appends to the container log (streamed to followers). */
  log(text: string): void;
  /** Container exits 0; pod Succeeded; Job Complete. */
  succeed(): void;
  /** Container exits `exitCode`; pod Failed; Job Failed (reason BackoffLimitExceeded unless given). */
  fail(exitCode: number, opts?: { reason?: string; message?: string }): void;
  /** Resolves when the Job object is gone (deleted). */
  deleted: Promise<void>;
}

export type JobHandler = (ctl: JobControl) => unknown;

interface PodLog {
  text: string;
  ended: boolean;
  followers: Set<http.ServerResponse>;
}

export interface ClusterSimOptions {
  /** Deleting a Job with propagation Foreground keeps it (with a deletionTimestamp) this long. */
  foregroundDeletionMs?: number;
}

export class ClusterSim {
  readonly jobsCreated: KObject[] = [];
  private denials: Denial[] = [];
  private handler?: JobHandler;
  private readonly logs = new Map<string, PodLog>();
  private readonly deletedWaiters = new Map<string, () => void>();
  private seq = 0;

  constructor(
    readonly server: FakeKubeApiServer,
    private readonly opts: ClusterSimOptions = {},
  ) {
    this.installAccessReview();
    this.installJobs();
    this.installPodLogs();
  }

  /** What happens to each new Job (default: nothing — the pod stays Pending). */
  onJob(handler: JobHandler | undefined): void {
    this.handler = handler;
  }

  // ------------------------------------------------------------------ authorization

  /** Denies a permission: access reviews say no and matching requests get 403. */
  deny(d: Denial): void {
    this.denials.push(d);
    const group = d.group ?? '';
    const base = group ? `/apis/${esc(group)}/v1` : '/api/v1';
    const nsPart = d.namespace !== undefined ? `/namespaces/${esc(d.namespace)}` : '(?:/namespaces/[^/]+)?';
    const res = esc(d.resource);
    const item = d.subresource ? `/[^/]+/${esc(d.subresource)}` : '/[^/]+';
    const collection = ['create', 'list', 'deletecollection', 'watch'].includes(d.verb);
    const path = new RegExp(`^${base}${nsPart}/${res}${collection ? '' : item}$`);
    const method =
      {
        create: 'POST',
        list: 'GET',
        watch: 'GET',
        get: 'GET',
        update: 'PUT',
        patch: 'PATCH',
        delete: 'DELETE',
      }[d.verb] ?? 'GET';
    const where = d.namespace !== undefined ? ` in the namespace "${d.namespace}"` : '';
    this.server.failOn({
      method,
      path,
      status: 403,
      message: `${d.resource}${group ? `.${group}` : ''} is forbidden: User "test-user" cannot ${d.verb} resource "${d.resource}${d.subresource ? `/${d.subresource}` : ''}" in API group "${group}"${where}`,
    });
  }

  allowed(attrs: Any): boolean {
    return !this.denials.some(
      (d) =>
        d.verb === attrs.verb &&
        d.resource === attrs.resource &&
        (d.group ?? '') === (attrs.group ?? '') &&
        (d.subresource ?? '') === (attrs.subresource ?? '') &&
        (d.namespace === undefined || d.namespace === attrs.namespace),
    );
  }

  private installAccessReview(): void {
    this.server.route('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', (_req, res, ctx) => {
      const body = (ctx.body ?? {}) as Any;
      const attrs = body.spec?.resourceAttributes ?? {};
      const allowed = this.allowed(attrs);
      const out = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: {},
        spec: body.spec ?? {},
        status: { allowed, ...(allowed ? { reason: 'RBAC: allowed by test policy' } : {}) },
      };
      const text = JSON.stringify(out);
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return undefined;
    });
  }

  // ------------------------------------------------------------------ Jobs and pods

  private installJobs(): void {
    const s = this.server;
    s.route('POST', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/, (req, res, ctx) => {
      const ns = decodeURIComponent(ctx.match[1]!);
      const body = ctx.body as KObject;
      const name = body?.metadata?.name;
      if (!name) return s.sendStatus(res, req, 422, 'Job is invalid: metadata.name: Required value');
      if (s.get('batch/v1', 'Job', name, ns)) {
        return s.sendStatus(res, req, 409, `jobs.batch "${name}" already exists`, {
          name,
          group: 'batch',
          kind: 'jobs',
        });
      }
      const [job] = s.put({
        ...body,
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { ...body.metadata, name, namespace: ns, creationTimestamp: new Date().toISOString() },
        status: { active: 1, startTime: new Date().toISOString() },
      });
      this.jobsCreated.push(job!);
      const ctl = this.createPod(job!, ns);
      const text = JSON.stringify(job);
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      const h = this.handler;
      if (h) setImmediate(() => void Promise.resolve(h(ctl)).catch(() => undefined));
      return undefined;
    });

    s.route('DELETE', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/, (req, res, ctx) => {
      const ns = decodeURIComponent(ctx.match[1]!);
      const name = decodeURIComponent(ctx.match[2]!);
      const job = s.get('batch/v1', 'Job', name, ns);
      if (!job) {
        return s.sendStatus(res, req, 404, `jobs.batch "${name}" not found`, {
          name,
          group: 'batch',
          kind: 'jobs',
        });
      }
      const policy = ctx.url.searchParams.get('propagationPolicy') ?? (ctx.body as Any)?.propagationPolicy;
      const finish = () => {
        for (const pod of s.list('v1', 'Pod', ns)) {
          if (
            (pod.metadata?.ownerReferences as Any[] | undefined)?.some((o) => o.uid === job.metadata?.uid)
          ) {
            s.remove('v1', 'Pod', pod.metadata!.name!, ns);
            this.endLog(ns, pod.metadata!.name!);
          }
        }
        s.remove('batch/v1', 'Job', name, ns);
        this.deletedWaiters.get(`${ns}/${name}/${job.metadata?.uid}`)?.();
      };
      if (policy === 'Foreground' && this.opts.foregroundDeletionMs) {
        s.put({
          ...job,
          metadata: {
            ...job.metadata,
            deletionTimestamp: new Date().toISOString(),
            finalizers: ['foregroundDeletion'],
          },
        });
        setTimeout(finish, this.opts.foregroundDeletionMs);
      } else {
        finish();
      }
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: 'batch', kind: 'jobs' },
      };
    });
  }

  private createPod(job: KObject, ns: string): JobControl {
    const s = this.server;
    const uid = job.metadata!.uid!;
    const jobName = job.metadata!.name!;
    const template = ((job as Any).spec?.template ?? {}) as Any;
    this.seq += 1;
    const podName = `${jobName}-${(uid.replace(/-/g, '').slice(-4) + String(this.seq)).slice(-5)}`;
    s.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        creationTimestamp: new Date().toISOString(),
        labels: {
          ...(template.metadata?.labels ?? {}),
          'batch.kubernetes.io/controller-uid': uid,
          'batch.kubernetes.io/job-name': jobName,
          'controller-uid': uid,
          'job-name': jobName,
        },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: jobName,
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: template.spec ?? {},
      status: { phase: 'Pending', conditions: [] },
    });
    this.logs.set(`${ns}/${podName}`, { text: '', ended: false, followers: new Set() });
    const container = (template.spec?.containers?.[0]?.name as string | undefined) ?? 'aicr';

    const getPod = () => s.get('v1', 'Pod', podName, ns) ?? { metadata: { name: podName, namespace: ns } };
    const updatePod = (fn: (p: Any) => void) => {
      const p = structuredClone(s.get('v1', 'Pod', podName, ns)) as Any | undefined;
      if (!p) return;
      fn(p);
      s.put(p);
    };
    const updateJob = (fn: (j: Any) => void) => {
      const j = structuredClone(s.get('batch/v1', 'Job', jobName, ns)) as Any | undefined;
      if (!j || j.metadata.uid !== uid) return;
      fn(j);
      s.put(j);
    };
    const setContainer = (state: Any, ready = false) =>
      updatePod((p) => {
        p.status.containerStatuses = [
          { name: container, image: template.spec?.containers?.[0]?.image, ready, restartCount: 0, state },
        ];
      });
    const now = () => new Date().toISOString();
    const terminate = (exitCode: number, reason: string, message?: string) => {
      setContainer({
        terminated: {
          exitCode,
          reason,
          ...(message ? { message } : {}),
          startedAt: now(),
          finishedAt: now(),
        },
      });
      updatePod((p) => {
        p.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      });
      this.endLog(ns, podName);
    };

    let deletedResolve!: () => void;
    const deleted = new Promise<void>((r) => (deletedResolve = r));
    this.deletedWaiters.set(`${ns}/${jobName}/${uid}`, deletedResolve);

    return {
      job,
      namespace: ns,
      podName,
      pod: getPod,
      schedule: (node = 'gpu-node-1') =>
        updatePod((p) => {
          p.spec.nodeName = node;
          p.status.conditions = [{ type: 'PodScheduled', status: 'True' }];
          p.status.hostIP = '10.0.0.10';
        }),
      unschedulable: (message) =>
        updatePod((p) => {
          p.status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];
        }),
      waiting: (reason, message) => setContainer({ waiting: { reason, ...(message ? { message } : {}) } }),
      start: () => {
        setContainer({ running: { startedAt: now() } }, true);
        updatePod((p) => {
          p.status.phase = 'Running';
          p.status.startTime = now();
        });
      },
      log: (text) => this.appendLog(ns, podName, text),
      succeed: () => {
        terminate(0, 'Completed');
        updateJob((j) => {
          j.status = {
            succeeded: 1,
            startTime: j.status?.startTime,
            completionTime: now(),
            conditions: [
              { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached' },
              { type: 'Complete', status: 'True', reason: 'CompletionsReached' },
            ],
          };
        });
      },
      fail: (exitCode, o = {}) => {
        terminate(exitCode, 'Error');
        const reason = o.reason ?? 'BackoffLimitExceeded';
        const message = o.message ?? 'Job has reached the specified backoff limit';
        updateJob((j) => {
          j.status = {
            failed: 1,
            startTime: j.status?.startTime,
            conditions: [
              { type: 'FailureTarget', status: 'True', reason, message },
              { type: 'Failed', status: 'True', reason, message },
            ],
          };
        });
      },
      deleted,
    };
  }

  // ------------------------------------------------------------------ pod logs

  private appendLog(ns: string, pod: string, text: string): void {
    const l = this.logs.get(`${ns}/${pod}`);
    if (!l || l.ended) return;
    l.text += text;
    for (const res of l.followers) res.write(text);
  }

  private endLog(ns: string, pod: string): void {
    const l = this.logs.get(`${ns}/${pod}`);
    if (!l) return;
    l.ended = true;
    for (const res of l.followers) res.end();
    l.followers.clear();
  }

  /** The log text of a pod so far. */
  podLog(ns: string, pod: string): string {
    return this.logs.get(`${ns}/${pod}`)?.text ?? '';
  }

  private installPodLogs(): void {
    const s = this.server;
    s.route('GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, (req, res, ctx) => {
      const ns = decodeURIComponent(ctx.match[1]!);
      const name = decodeURIComponent(ctx.match[2]!);
      const pod = s.get('v1', 'Pod', name, ns) as Any | undefined;
      if (!pod) return s.sendStatus(res, req, 404, `pods "${name}" not found`, { name, kind: 'pods' });
      const state = pod.status?.containerStatuses?.[0]?.state ?? {};
      if (!state.running && !state.terminated) {
        const reason = state.waiting?.reason ?? 'ContainerCreating';
        const c = ctx.url.searchParams.get('container') ?? 'aicr';
        return s.sendStatus(
          res,
          req,
          400,
          `container "${c}" in pod "${name}" is waiting to start: ${reason}`,
        );
      }
      const l = this.logs.get(`${ns}/${name}`) ?? { text: '', ended: true, followers: new Set() };
      const follow = ctx.url.searchParams.get('follow') === 'true';
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      if (l.text) res.write(l.text);
      if (!follow || l.ended) {
        res.end();
        return undefined;
      }
      l.followers.add(res);
      req.on('close', () => l.followers.delete(res));
      return undefined;
    });
  }

  // ------------------------------------------------------------------ ConfigMaps

  /**
   * The next `times` reads of ConfigMap ns/name are each followed by another writer's update (a new
   * data key `other-writer-<n>`), so an update based on that read conflicts.
   */
  concurrentWriter(ns: string, name: string, times: number): { writes: number } {
    const s = this.server;
    const state = { writes: 0 };
    s.route('GET', `/api/v1/namespaces/${ns}/configmaps/${name}`, (req, res) => {
      const cm = s.get('v1', 'ConfigMap', name, ns) as Any | undefined;
      if (!cm)
        return s.sendStatus(res, req, 404, `configmaps "${name}" not found`, { name, kind: 'configmaps' });
      const seen = structuredClone(cm);
      if (state.writes < times) {
        state.writes += 1;
        s.put({ ...cm, data: { ...(cm.data ?? {}), [`other-writer-${state.writes}`]: 'x' } });
      }
      return seen;
    });
    return state;
  }
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface AgentProcessOptions {
  /** The built CLI. */
  cliPath: string;
  /** Kubeconfig the agent uses instead of an in-cluster service account. */
  kubeconfig: string;
  node?: string;
  /** Extra environment for the agent (e.g. PATH with fake tools). */
  env?: Record<string, string>;
}

/**
 * Runs the Job's container for real: the built CLI with the container's args and env (plus KUBECONFIG),
 * its stdout and stderr as the pod log, its exit status as the container's.
 */
export async function runAgentProcess(ctl: JobControl, o: AgentProcessOptions): Promise<number> {
  const node = o.node ?? 'gpu-node-1';
  const c = (ctl.job as Any).spec.template.spec.containers[0];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    KUBECONFIG: o.kubeconfig,
    ...o.env,
  };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') env[e.name] = node;
  }
  ctl.schedule(node);
  ctl.start();
  const child = spawn(process.execPath, [o.cliPath, ...(c.args as string[])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => ctl.log(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => ctl.log(d));
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)));
  if (code === 0) ctl.succeed();
  else ctl.fail(code);
  return code;
}

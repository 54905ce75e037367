/**
 * Fleet snapshots (`aicr snapshot --deploy-agent --nodes FILE|--all-gpu-nodes|--node-selector k=v
 * --workers N`): one snapshot agent pod per selected node, at most N at once, one snapshot per node and
 * a FleetReport (src/diff/fleet.ts).
 *
 * Distribution: one Job per node, its pod pinned with `spec.nodeName`. Not an Indexed Job: the pods of
 * one Job share one template, so per-node pinning would need a per-index affinity trick the API does not
 * have; one Job per node also gives each node its own outcome, deadline (activeDeadlineSeconds =
 * --timeout) and cleanup, and `--workers` bounds how many Jobs exist at once. `spec.nodeName` bypasses
 * the scheduler on purpose: the node is fixed, and a node that cannot run the pod (kubelet admission:
 * resources, taints the agent does not tolerate) fails that pod, which is reported as that node's
 * failure, never a pod left Pending for a scheduler that will not place it.
 *
 * The RBAC objects are the single agent's (src/k8s/agent-manifests.ts), created once for the run; Jobs
 * are deleted as soon as their node is done, RBAC at the end (unless --no-cleanup), after success,
 * failure and Ctrl-C alike. A node that fails or times out does not stop the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError } from '../errors/index.js';
import { pickDocumentKey } from '../io/configmap.js';
import { parseDocument } from '../io/document.js';
import { log } from '../logging/logger.js';
import { toSnapshot } from '../model/load.js';
import type { Snapshot } from '../model/snapshot.js';
import { buildAgentObjects, orderedObjects, type AgentConfig, type KubeObject } from './agent-manifests.js';
import { loadKubeConfig, type LoadedKubeConfig } from './client.js';
import { InterruptedError, Kube, requestTimeoutFromEnv, type CallCtx } from './call.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import { formatDuration } from '../util/duration.js';

export const FLEET_RUN_LABEL = 'aicr.nvidia.com/fleet-run';
export const FLEET_NODE_ANNOTATION = 'aicr.nvidia.com/node';
/** GPU nodes for --all-gpu-nodes: a GPU capacity, or GPU feature discovery's label. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

export type NodeSelection =
  | { kind: 'names'; names: string[] }
  | { kind: 'gpu' }
  | { kind: 'selector'; selector: Record<string, string> };

export interface FleetOptions {
  /** Base config: namespace, image, RBAC names, privileges, timeout (per node). */
  cfg: AgentConfig;
  selection: NodeSelection;
  workers: number;
  /** ConfigMap name prefix the agents write to (`<prefix>-<node>`, in the agent namespace). */
  configMapPrefix: string;
  kubeconfig?: string;
  cleanup: boolean;
  /** Keep the per-node ConfigMaps (the output is those ConfigMaps). */
  keepConfigMaps: boolean;
  signal?: AbortSignal;
  pollMs?: number;
  /** Called after each node: done, failed, total. */
  onProgress?: (done: number, failed: number, total: number) => void;
}

export interface NodeOutcome {
  node: string;
  snapshot?: Snapshot;
  /** The snapshot as the agent wrote it. */
  text?: string;
  format?: 'yaml' | 'json';
  reason?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** `<prefix>-<node>` as a ConfigMap name (≤ 253); a hash keeps over-long ones unique. */
export function nodeConfigMapName(prefix: string, node: string): string {
  const name = `${prefix}-${node}`;
  if (name.length <= 253) return name;
  const h = createHash('sha256').update(node).digest('hex').slice(0, 10);
  return `${prefix}-${node.slice(0, 253 - prefix.length - 12).replace(/[-.]+$/, '')}-${h}`;
}

/** Node names of a `--nodes` file: one per line, blank lines and `#` comments skipped, duplicates once. */
export function parseNodeList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (line && !out.includes(line)) out.push(line);
  }
  return out;
}

async function selectNodes(calls: Kube, sel: NodeSelection): Promise<{ nodes: string[]; missing: string[] }> {
  const { k8s } = calls.conn;
  const labelSelector =
    sel.kind === 'selector'
      ? Object.entries(sel.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
      : undefined;
  const items: K8sModule.V1Node[] = [];
  let cont: string | undefined;
  do {
    const page = await calls.call(k8s.CoreV1Api, { verb: 'list', resource: 'nodes' }, (c) =>
      c.listNode({ labelSelector, limit: 500, _continue: cont }),
    );
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont);
  const names = items.map((n) => n.metadata?.name ?? '').filter(Boolean);
  if (sel.kind === 'names') {
    const have = new Set(names);
    return { nodes: sel.names.filter((n) => have.has(n)), missing: sel.names.filter((n) => !have.has(n)) };
  }
  if (sel.kind === 'gpu') {
    const gpu = items.filter((n) => {
      const cap = n.status?.capacity?.[GPU_RESOURCE] ?? n.status?.allocatable?.[GPU_RESOURCE];
      return (cap !== undefined && cap !== '0') || n.metadata?.labels?.[GPU_PRESENT_LABEL] === 'true';
    });
    return { nodes: gpu.map((n) => n.metadata!.name!).sort(), missing: [] };
  }
  return { nodes: names.sort(), missing: [] };
}

const asBody = (o: KubeObject) => o as never;

/** Namespace (when missing) and RBAC: created, or replaced when present. */
async function deployRbac(calls: Kube, objs: KubeObject[]): Promise<void> {
  const { k8s } = calls.conn;
  for (const o of objs) {
    const ns = o.metadata.namespace;
    const name = o.metadata.name;
    const ctx = (verb: string): CallCtx => ({
      verb,
      resource: o.kind.toLowerCase() + 's',
      namespace: ns,
      name,
      what: `${o.kind} ${ns ? `${ns}/` : ''}${name}`,
    });
    const body = asBody(o);
    const create = async () => {
      switch (o.kind) {
        case 'Namespace':
          return calls.call(
            k8s.CoreV1Api,
            ctx('create'),
            (c) => c.createNamespace({ body }),
            isAlreadyExists,
          );
        case 'ServiceAccount':
          return calls.call(
            k8s.CoreV1Api,
            ctx('create'),
            (c) => c.createNamespacedServiceAccount({ namespace: ns!, body }),
            isAlreadyExists,
          );
        case 'Role':
          return calls.call(
            k8s.RbacAuthorizationV1Api,
            ctx('create'),
            (c) => c.createNamespacedRole({ namespace: ns!, body }),
            isAlreadyExists,
          );
        case 'RoleBinding':
          return calls.call(
            k8s.RbacAuthorizationV1Api,
            ctx('create'),
            (c) => c.createNamespacedRoleBinding({ namespace: ns!, body }),
            isAlreadyExists,
          );
        case 'ClusterRole':
          return calls.call(
            k8s.RbacAuthorizationV1Api,
            ctx('create'),
            (c) => c.createClusterRole({ body }),
            isAlreadyExists,
          );
        default:
          return calls.call(
            k8s.RbacAuthorizationV1Api,
            ctx('create'),
            (c) => c.createClusterRoleBinding({ body }),
            isAlreadyExists,
          );
      }
    };
    try {
      await create();
    } catch (err) {
      if (err instanceof AicrError || o.kind === 'Namespace' || o.kind === 'ServiceAccount') {
        if (err instanceof AicrError) throw err;
        continue; // an existing namespace or ServiceAccount is used as it is
      }
      const replace = () => {
        switch (o.kind) {
          case 'Role':
            return calls.call(k8s.RbacAuthorizationV1Api, ctx('update'), (c) =>
              c.replaceNamespacedRole({ name, namespace: ns!, body }),
            );
          case 'RoleBinding':
            return calls.call(k8s.RbacAuthorizationV1Api, ctx('update'), (c) =>
              c.replaceNamespacedRoleBinding({ name, namespace: ns!, body }),
            );
          case 'ClusterRole':
            return calls.call(k8s.RbacAuthorizationV1Api, ctx('update'), (c) =>
              c.replaceClusterRole({ name, body }),
            );
          default:
            return calls.call(k8s.RbacAuthorizationV1Api, ctx('update'), (c) =>
              c.replaceClusterRoleBinding({ name, body }),
            );
        }
      };
      await replace();
    }
  }
}

async function deleteQuietly(what: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isNotFound(err) || (err instanceof AicrError && err.code === 'NOT_FOUND')) return true;
    log().warn(`cleanup: could not delete ${what}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

async function cleanupRbac(calls: Kube, objs: KubeObject[]): Promise<void> {
  const { k8s } = calls.conn;
  for (const o of [...objs].reverse()) {
    const { name, namespace } = o.metadata;
    const ctx: CallCtx = { verb: 'delete', resource: o.kind.toLowerCase() + 's', namespace, name };
    const rbac = k8s.RbacAuthorizationV1Api;
    switch (o.kind) {
      case 'ServiceAccount':
        await deleteQuietly(`ServiceAccount ${namespace}/${name}`, () =>
          calls.call(k8s.CoreV1Api, ctx, (c) =>
            c.deleteNamespacedServiceAccount({ name, namespace: namespace! }),
          ),
        );
        break;
      case 'Role':
        await deleteQuietly(`Role ${namespace}/${name}`, () =>
          calls.call(rbac, ctx, (c) => c.deleteNamespacedRole({ name, namespace: namespace! })),
        );
        break;
      case 'RoleBinding':
        await deleteQuietly(`RoleBinding ${namespace}/${name}`, () =>
          calls.call(rbac, ctx, (c) => c.deleteNamespacedRoleBinding({ name, namespace: namespace! })),
        );
        break;
      case 'ClusterRole':
        await deleteQuietly(`ClusterRole ${name}`, () =>
          calls.call(rbac, ctx, (c) => c.deleteClusterRole({ name })),
        );
        break;
      case 'ClusterRoleBinding':
        await deleteQuietly(`ClusterRoleBinding ${name}`, () =>
          calls.call(rbac, ctx, (c) => c.deleteClusterRoleBinding({ name })),
        );
        break;
      default:
      // The namespace is never deleted (it may hold other things, and the results).
    }
  }
}

/** Why a pod did not finish: the container's exit, a waiting reason, or the pod phase. */
export function podReason(pod: K8sModule.V1Pod | undefined): string {
  if (!pod) return 'no agent pod was created';
  const cs = pod.status?.containerStatuses?.[0];
  const term = cs?.state?.terminated;
  if (term) {
    return `agent exited with code ${term.exitCode}${term.reason ? ` (${term.reason})` : ''}${term.message ? `: ${term.message.trim().split('\n')[0]}` : ''}`;
  }
  const wait = cs?.state?.waiting;
  if (wait?.reason)
    return `agent container ${wait.reason}${wait.message ? `: ${wait.message.split('\n')[0]}` : ''}`;
  const phase = pod.status?.phase ?? 'Pending';
  const why = pod.status?.reason
    ? ` (${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''})`
    : '';
  return `agent pod ${phase}${why}`;
}

/** Runs the fleet; outcomes in node order (failed nodes carry a reason). */
export async function runFleet(opts: FleetOptions): Promise<{ outcomes: NodeOutcome[]; missing: string[] }> {
  const pollMs = opts.pollMs ?? 500;
  let conn: LoadedKubeConfig;
  try {
    conn = await loadKubeConfig({ kubeconfig: opts.kubeconfig });
  } catch (err) {
    throw new AicrError('INTERNAL', 'cannot run the fleet snapshot', err);
  }
  const calls = new Kube(conn, requestTimeoutFromEnv(), opts.signal);
  const { k8s } = conn;
  const { cfg } = opts;
  const ns = cfg.namespace;
  const { nodes, missing } = await selectNodes(calls, opts.selection);
  const total = nodes.length + missing.length;
  if (total === 0) throw new AicrError('NOT_FOUND', 'no nodes selected: nothing to snapshot');
  const runId = randomBytes(3).toString('hex');
  const rbac = orderedObjects(buildAgentObjects(cfg)).filter((o) => o.kind !== 'Job');
  const outcomes = new Map<string, NodeOutcome>();
  for (const m of missing) outcomes.set(m, { node: m, reason: 'node not found in the cluster' });
  let done = missing.length;
  let failed = missing.length;
  const report = () => opts.onProgress?.(done, failed, total);
  report();

  // Job status for the whole run from one list call per tick.
  const jobs = new Map<string, K8sModule.V1Job>();
  let polling = true;
  const poller = (async () => {
    while (polling && !opts.signal?.aborted) {
      try {
        const list = await calls.call(
          k8s.BatchV1Api,
          { verb: 'list', resource: 'jobs.batch', namespace: ns },
          (c) => c.listNamespacedJob({ namespace: ns, labelSelector: `${FLEET_RUN_LABEL}=${runId}` }),
        );
        jobs.clear();
        for (const j of list.items) jobs.set(j.metadata!.name!, j);
      } catch (err) {
        if (err instanceof InterruptedError) break;
        log().debug('fleet: listing Jobs failed; retrying', { error: (err as Error).message });
      }
      await sleep(pollMs, opts.signal);
    }
  })();

  const created = new Set<string>();
  const deleteJob = (name: string) =>
    deleteQuietly(`Job ${ns}/${name}`, () =>
      new Kube(conn, 30_000).call(
        k8s.BatchV1Api,
        { verb: 'delete', resource: 'jobs.batch', namespace: ns, name },
        (c) => c.deleteNamespacedJob({ name, namespace: ns, propagationPolicy: 'Background' }),
      ),
    ).then(() => created.delete(name));

  const oneNode = async (node: string, index: number): Promise<NodeOutcome> => {
    const jobName = `${cfg.jobName}-${runId}-${index}`;
    const cmName = nodeConfigMapName(opts.configMapPrefix, node);
    const job = buildAgentObjects({ ...cfg, jobName, nodeSelector: {}, output: `cm://${ns}/${cmName}` }).job;
    const meta = job.metadata as { labels: Record<string, string>; annotations?: Record<string, string> };
    meta.labels[FLEET_RUN_LABEL] = runId;
    meta.annotations = { [FLEET_NODE_ANNOTATION]: node };
    const spec = job.spec as {
      activeDeadlineSeconds: number;
      template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
    };
    spec.activeDeadlineSeconds = Math.max(1, Math.ceil(cfg.timeoutMs / 1000));
    spec.template.metadata.labels[FLEET_RUN_LABEL] = runId;
    spec.template.spec.nodeName = node;
    delete spec.template.spec.nodeSelector;
    await calls.call(
      k8s.BatchV1Api,
      { verb: 'create', resource: 'jobs.batch', namespace: ns, name: jobName },
      (c) => c.createNamespacedJob({ namespace: ns, body: asBody(job) }),
    );
    created.add(jobName);
    const deadline = Date.now() + cfg.timeoutMs;
    try {
      for (;;) {
        if (opts.signal?.aborted) throw new InterruptedError('running the fleet snapshot');
        const j = jobs.get(jobName);
        const cond = j?.status?.conditions?.find(
          (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        );
        if (cond?.type === 'Complete') break;
        if (cond?.type === 'Failed' || Date.now() > deadline) {
          const pods = await calls
            .call(k8s.CoreV1Api, { verb: 'list', resource: 'pods', namespace: ns }, (c) =>
              c.listNamespacedPod({
                namespace: ns,
                labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
              }),
            )
            .catch(() => undefined);
          const why = podReason(pods?.items[0]);
          if (cond?.type === 'Failed') {
            const jobWhy =
              cond.reason === 'DeadlineExceeded' ? `timed out after ${formatDuration(cfg.timeoutMs)}: ` : '';
            return { node, reason: `${jobWhy}${why}` };
          }
          return { node, reason: `timed out after ${formatDuration(cfg.timeoutMs)}: ${why}` };
        }
        await sleep(Math.min(pollMs, 250), opts.signal);
      }
      const cm = await calls.call(
        k8s.CoreV1Api,
        { verb: 'get', resource: 'configmaps', namespace: ns, name: cmName },
        (c) => c.readNamespacedConfigMap({ name: cmName, namespace: ns }),
      );
      const data = cm.data ?? {};
      const picked = pickDocumentKey(data, ['snapshot']);
      if (!picked) return { node, reason: `the agent wrote no snapshot to ConfigMap ${ns}/${cmName}` };
      const text = data[picked.key]!;
      const source = `snapshot of node ${node} (ConfigMap ${ns}/${cmName})`;
      const snapshot = await toSnapshot(parseDocument(text, source, picked.format), source);
      if (!opts.keepConfigMaps) {
        await deleteQuietly(`ConfigMap ${ns}/${cmName}`, () =>
          calls.call(
            k8s.CoreV1Api,
            { verb: 'delete', resource: 'configmaps', namespace: ns, name: cmName },
            (c) => c.deleteNamespacedConfigMap({ name: cmName, namespace: ns }),
          ),
        );
      }
      return { node, snapshot, text, format: picked.format };
    } finally {
      if (opts.cleanup) await deleteJob(jobName);
    }
  };

  try {
    await deployRbac(calls, rbac);
    let next = 0;
    const worker = async () => {
      while (next < nodes.length && !opts.signal?.aborted) {
        const i = next++;
        const node = nodes[i];
        let outcome: NodeOutcome;
        try {
          outcome = await oneNode(node, i);
        } catch (err) {
          if (err instanceof InterruptedError || opts.signal?.aborted)
            throw new InterruptedError('running the fleet snapshot');
          outcome = { node, reason: err instanceof Error ? err.message : String(err) };
        }
        outcomes.set(node, outcome);
        done++;
        if (outcome.reason) {
          failed++;
          log().warn(`node ${node}: ${outcome.reason}`);
        }
        report();
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.max(1, Math.min(opts.workers, nodes.length)) }, worker),
    );
    if (opts.signal?.aborted) throw new InterruptedError('running the fleet snapshot');
    const bad = results.find((r) => r.status === 'rejected');
    if (bad) throw (bad as PromiseRejectedResult).reason;
  } finally {
    polling = false;
    await poller;
    if (opts.cleanup) {
      for (const name of [...created]) await deleteJob(name);
      await cleanupRbac(new Kube(conn, 30_000), rbac);
    } else {
      log().info(
        `--no-cleanup: left the fleet Jobs (label ${FLEET_RUN_LABEL}=${runId}) and the agent RBAC objects in place`,
      );
    }
  }
  const order = [...nodes, ...missing];
  return { outcomes: order.map((n) => outcomes.get(n)!), missing };
}

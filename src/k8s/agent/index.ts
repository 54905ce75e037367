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
import { AicrError } from '../../errors/index.js';
import { pickDocumentKey } from '../../io/configmap.js';
import { parseConfigMapUri } from '../../io/uri.js';
import { type AgentConfig, buildAgentObjects } from '../agent-manifests.js';
import { cleanupAgent } from './cleanup.js';
import { ActiveRunError, checkNoActiveRun, deploy } from './deploy.js';
import { LogFollower, printAgentLogs } from './logs.js';
import { checkRuntimeClass, preflight } from './preflight.js';
import { type AgentResult, type AgentRunOptions, CLEANUP_TIMEOUT_MS } from './types.js';
import { AgentFailure, type PodView, waitForJob } from './wait.js';
import { Kube, requestTimeoutFromEnv } from '../call.js';
import { type LoadedKubeConfig, loadKubeConfig } from '../client.js';
import { Progress } from '../progress.js';
import { log } from '../../logging/logger.js';

/** Step 5: the snapshot the agent wrote to its ConfigMap. */
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

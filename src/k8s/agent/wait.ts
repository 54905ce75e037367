/**
 * Snapshot agent, step 4: polls the Job until it completes, fails or times out; the agent pod's state is
 * shown as progress, and a failed agent's exit code becomes the CLI's.
 */
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError, type ErrorCode } from '../../errors/index.js';
import { AGENT_CONTAINER, type AgentConfig, agentPodSelector } from '../agent-manifests.js';
import { LogFollower } from './logs.js';
import { InterruptedError, Kube } from '../call.js';
import { Progress } from '../progress.js';
import { formatDuration } from '../../util/duration.js';
import { log } from '../../logging/logger.js';
import { sleep } from '../../util/async.js';

export interface PodView {
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

export class AgentFailure extends AicrError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly pod?: string,
  ) {
    super(code, message);
  }
}

/** Reads the agent Job; errors other than those `passThrough` accepts become AicrErrors. */
export function readAgentJob(
  kube: Kube,
  cfg: AgentConfig,
  passThrough?: (err: unknown) => boolean,
): Promise<K8sModule.V1Job> {
  const ns = cfg.namespace;
  return kube.call(
    kube.k8s.BatchV1Api,
    {
      verb: 'get',
      resource: 'jobs.batch',
      namespace: ns,
      name: cfg.jobName,
      what: `Job ${ns}/${cfg.jobName}`,
    },
    (api) => api.readNamespacedJob({ name: cfg.jobName, namespace: ns }),
    passThrough,
  );
}

export async function waitForJob(
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
    const job = await readAgentJob(kube, cfg);
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

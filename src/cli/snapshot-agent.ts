/**
 * The agent side of `aicr snapshot`: `--deploy-agent` (run the snapshot as a Kubernetes Job on a cluster
 * node and read it back), `--print-manifests` (write the Job and RBAC manifests instead) and the flags
 * that shape the Job. The Kubernetes work itself lives in src/k8s/agent.ts, imported on use.
 */
import { Option, type Command } from 'commander';
import { AicrError, invalid, SIGNAL_EXIT_CODES } from '../errors/index.js';
import { agentModeFromEnv } from '../util/env.js';
import { dns1123Rule, isDns1123, type Dns1123Kind } from '../util/names.js';
import type { Format } from '../io/serialize.js';
import { isConfigMapUri, isHttpUrl, parseConfigMapUri, type ConfigMapRef } from '../io/uri.js';
import type { Snapshot } from '../model/snapshot.js';
import { defaultAgentImage } from '../version/buildinfo.js';
import { boolOption, collect, FlagState } from './flags.js';

export interface AgentFlags {
  deployAgent?: boolean;
  printManifests?: boolean;
  namespace?: string;
  image?: string;
  imagePullSecret?: string[];
  jobName?: string;
  serviceAccountName?: string;
  nodeSelector?: string[];
  toleration?: string[];
  cleanup?: boolean;
  privileged?: boolean;
  requireGpu?: boolean;
  runtimeClass?: string;
  timeout?: string;
  debug?: boolean;
  output?: string;
  kubeconfig?: string;
  maxNodesPerEntry?: number;
}

/** Adds the agent flags to `aicr snapshot`. */
export function addAgentFlags(cmd: Command, st: FlagState): Command {
  return cmd
    .addOption(
      boolOption(
        '--deploy-agent',
        'run the snapshot as a Kubernetes Job on a cluster node and read the result back',
        false,
      ),
    )
    .addOption(
      boolOption(
        '--print-manifests',
        'write the agent Job and RBAC manifests (to --output, or stdout) instead of deploying them',
        false,
      ),
    )
    .addOption(
      new Option(
        '-n, --namespace <ns>',
        'agent namespace: Job, RBAC and result ConfigMap (default "default")',
      )
        .env('AICR_NAMESPACE')
        .argParser(st.once('namespace')),
    )
    .addOption(
      new Option('--image <image>', `agent container image (default "${defaultAgentImage()}")`)
        .env('AICR_IMAGE')
        .argParser(st.once('image')),
    )
    .addOption(
      new Option(
        '--image-pull-secret <name>',
        'image pull secret for the agent image (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--job-name <name>', 'agent Job name (default "aicr")').argParser(st.once('job-name')),
    )
    .addOption(
      new Option(
        '--service-account-name <name>',
        'agent ServiceAccount, Role and RoleBinding name (default "aicr")',
      ).argParser(st.once('service-account-name')),
    )
    .addOption(
      new Option(
        '--node-selector <key=value>',
        'schedule the agent on matching nodes (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--toleration <key=value:effect>',
        'agent toleration, key=value:effect or key:effect (repeatable; default: tolerate all taints)',
      ).argParser(collect),
    )
    .addOption(new Option('--no-cleanup', 'keep the agent Job and RBAC objects afterwards'))
    .addOption(
      boolOption(
        '--privileged',
        'privileged agent (host namespaces, root) for full node data; --privileged=false for restricted clusters',
        true,
      ),
    )
    .addOption(
      boolOption(
        '--require-gpu',
        'fail when no GPU is detected; the agent also requests nvidia.com/gpu: 1 (env AICR_REQUIRE_GPU)',
        false,
      ).env('AICR_REQUIRE_GPU'),
    )
    .addOption(
      new Option(
        '--runtime-class <name>',
        'agent pod runtimeClassName (e.g. nvidia) with NVIDIA_VISIBLE_DEVICES=all',
      )
        .env('AICR_RUNTIME_CLASS')
        .argParser(st.once('runtime-class')),
    );
}

function checkName(flag: string, value: string, kind: Dns1123Kind): string {
  if (!isDns1123(value, kind)) throw invalid(`invalid ${flag} "${value}": ${dns1123Rule(kind)}`);
  return value;
}

/** `--require-gpu` for a locally collected snapshot: a GPU measurement with gpu-count > 0. */
export function checkRequireGpu(snap: Snapshot): void {
  const gpu = snap.measurements.find((m) => m.type === 'GPU');
  const found = (gpu?.subtypes ?? []).some((s) => {
    const n = s.data?.['gpu-count'];
    return (typeof n === 'number' || typeof n === 'bigint') && n > 0;
  });
  if (!found) {
    throw new AicrError(
      'NOT_FOUND',
      '--require-gpu was set but no GPU was detected (nvidia-smi not found or returned 0 GPUs)',
    );
  }
}

const sameRef = (a: ConfigMapRef, b: ConfigMapRef) => a.namespace === b.namespace && a.name === b.name;

/** True when the flags ask for the agent (and we are not the agent ourselves). */
export function wantsAgent(o: AgentFlags): boolean {
  if (agentModeFromEnv()) return false;
  return !!(o.deployAgent || o.printManifests);
}

/** `--deploy-agent` / `--print-manifests`. */
export async function runAgentSnapshot(o: AgentFlags, format: Format): Promise<void> {
  const [{ renderManifests, DEFAULT_AGENT_TIMEOUT_MS }, sched, { writeOutput }] = await Promise.all([
    import('../k8s/agent-manifests.js'),
    import('../k8s/scheduling.js'),
    import('../io/writer.js'),
  ]);
  const { parseDuration } = await import('../util/duration.js');
  // Everything is validated before the cluster is touched.
  if (o.requireGpu && o.runtimeClass) {
    throw invalid(
      '--require-gpu and --runtime-class are mutually exclusive: the runtime class already gives the agent the GPUs (NVIDIA_VISIBLE_DEVICES=all); use --runtime-class',
    );
  }
  if (o.output && isHttpUrl(o.output)) {
    throw invalid(
      `cannot write output to ${o.output}: URLs are read-only; use a file path, - or cm://namespace/name`,
    );
  }
  const namespace = checkName('--namespace', o.namespace || 'default', 'label');
  const jobName = checkName('--job-name', o.jobName || 'aicr', 'label');
  const serviceAccountName = checkName('--service-account-name', o.serviceAccountName || 'aicr', 'subdomain');
  const imagePullSecrets = sched
    .splitList(o.imagePullSecret)
    .map((s) => checkName('--image-pull-secret', s, 'subdomain'));
  if (o.runtimeClass) checkName('--runtime-class', o.runtimeClass, 'subdomain');
  const image = o.image || defaultAgentImage();
  if (/\s/.test(image)) throw invalid(`invalid --image "${image}": an image reference has no whitespace`);
  const nodeSelector = sched.parseNodeSelectors(o.nodeSelector) ?? {};
  const tolerations = sched.parseTolerations(o.toleration);
  const timeoutMs =
    (o.timeout === undefined ? 0 : parseDuration(o.timeout, '--timeout')) || DEFAULT_AGENT_TIMEOUT_MS;
  const { agentOutputUri } = await import('../k8s/agent.js');
  const output = agentOutputUri(o.output, namespace, jobName);
  const cfg = {
    namespace,
    jobName,
    serviceAccountName,
    image,
    imagePullSecrets,
    nodeSelector,
    tolerations,
    privileged: o.privileged ?? true,
    requireGpu: o.requireGpu ?? false,
    runtimeClass: o.runtimeClass || undefined,
    output,
    debug: o.debug ?? false,
    maxNodesPerEntry: o.maxNodesPerEntry ?? 0,
    timeoutMs,
  };

  if (o.printManifests) {
    const dest = o.output && !isConfigMapUri(o.output) ? o.output : undefined;
    await writeOutput(dest, renderManifests(cfg), { kind: 'manifests', format: 'yaml' });
    return;
  }

  const { runSnapshotAgent, InterruptedError } = await import('../k8s/agent.js');
  const { log } = await import('../logging/logger.js');
  const ac = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log().warn('interrupted: stopping the agent and cleaning up (press Ctrl-C again to exit at once)');
    ac.abort();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let res;
  try {
    res = await runSnapshotAgent(cfg, {
      kubeconfig: o.kubeconfig,
      cleanup: o.cleanup ?? true,
      signal: ac.signal,
    });
  } catch (err) {
    if (interrupted && err instanceof InterruptedError) {
      log().error('interrupted');
      process.exitCode = SIGNAL_EXIT_CODES.SIGINT;
      return;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  // Written in the requested format; the agent's own ConfigMap already holds the YAML.
  const sameConfigMap =
    !!o.output && isConfigMapUri(o.output) && sameRef(parseConfigMapUri(o.output), parseConfigMapUri(output));
  if (sameConfigMap && format === 'yaml') {
    log().info('snapshot stored', { configmap: output });
    return;
  }
  let text = res.text;
  if (format !== 'yaml' || res.format !== 'yaml') {
    const [{ parseDocument }, { serialize }] = await Promise.all([
      import('../io/document.js'),
      import('../io/serialize.js'),
    ]);
    text = serialize(parseDocument(res.text, `snapshot from ${res.uri}`, res.format), format);
  }
  await writeOutput(o.output, text, { kind: 'snapshot', format, kubeconfig: o.kubeconfig });
}

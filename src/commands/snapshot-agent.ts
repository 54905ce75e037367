/**
 * `aicr snapshot --deploy-agent` / `--print-manifests`: validates the agent flags before the cluster is
 * touched, then writes the Job and RBAC manifests or runs the agent (src/k8s/agent/) and writes the
 * snapshot it read back. Ctrl-C stops waiting, cleans up and exits 130.
 */
import { invalid, SIGNAL_EXIT_CODES } from '../errors/index.js';
import type { Format } from '../io/serialize.js';
import { isConfigMapUri, isHttpUrl, parseConfigMapUri, type ConfigMapRef } from '../io/uri.js';
import { splitList } from '../util/list.js';
import { dns1123Rule, isDns1123, type Dns1123Kind } from '../util/names.js';
import { defaultAgentImage } from '../version/buildinfo.js';

/** The agent flags of `aicr snapshot` (src/cli/snapshot-agent.ts). */
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

function checkName(flag: string, value: string, kind: Dns1123Kind): string {
  if (!isDns1123(value, kind)) throw invalid(`invalid ${flag} "${value}": ${dns1123Rule(kind)}`);
  return value;
}

const sameRef = (a: ConfigMapRef, b: ConfigMapRef) => a.namespace === b.namespace && a.name === b.name;

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
  const imagePullSecrets = splitList(o.imagePullSecret).map((s) =>
    checkName('--image-pull-secret', s, 'subdomain'),
  );
  if (o.runtimeClass) checkName('--runtime-class', o.runtimeClass, 'subdomain');
  const image = o.image || defaultAgentImage();
  if (/\s/.test(image)) throw invalid(`invalid --image "${image}": an image reference has no whitespace`);
  const nodeSelector = sched.parseNodeSelectors(o.nodeSelector) ?? {};
  const tolerations = sched.parseTolerations(o.toleration);
  const timeoutMs =
    (o.timeout === undefined ? 0 : parseDuration(o.timeout, '--timeout')) || DEFAULT_AGENT_TIMEOUT_MS;
  const { agentOutputUri } = await import('../k8s/agent/index.js');
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

  const [{ runSnapshotAgent }, { InterruptedError }] = await Promise.all([
    import('../k8s/agent/index.js'),
    import('../k8s/call.js'),
  ]);
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

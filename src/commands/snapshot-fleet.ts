/**
 * Fleet snapshots: `aicr snapshot --deploy-agent --nodes FILE|--all-gpu-nodes|--node-selector k=v
 * --workers N -o DIR|cm://namespace/prefix` (flags: src/cli/snapshot-fleet.ts). The Kubernetes work
 * lives in src/k8s/fleet.ts; the report in src/diff/fleet.ts.
 *
 * Exit codes: 0 every node snapshotted; 10 the run finished but at least one node failed or timed out
 * (the report names them with the reason; every other node's snapshot is written); 2 bad flags; 3 no
 * node selected; 4/6 cluster access; 130 interrupted (Jobs and RBAC cleaned up).
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors/index.js';
import type { Format } from '../io/serialize.js';
import { parseDuration } from '../util/duration.js';
import { splitList } from '../util/list.js';
import type { AgentFlags } from './snapshot-agent.js';

/** Exit code of a fleet run in which some nodes failed (documented in README "Exit codes"). */
export const FLEET_PARTIAL_EXIT = 10;
import { DEFAULT_WORKERS } from './snapshot-fleet-defaults.js';

export { DEFAULT_WORKERS };

export interface FleetFlags extends AgentFlags {
  nodes?: string;
  allGpuNodes?: boolean;
  workers?: number;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export async function runFleetSnapshot(o: FleetFlags, format: Format): Promise<void> {
  const [{ DEFAULT_AGENT_TIMEOUT_MS }, sched, { log }, uri, { writeStderr }] = await Promise.all([
    import('../k8s/agent-manifests.js'),
    import('../k8s/scheduling.js'),
    import('../logging/logger.js'),
    import('../io/uri.js'),
    import('../util/stdio.js'),
  ]);
  if (!o.deployAgent) throw invalid('--nodes, --all-gpu-nodes and --workers need --deploy-agent');
  if (o.printManifests)
    throw invalid('--print-manifests prints the single agent; it cannot be combined with fleet flags');
  const modes = [o.nodes ? '--nodes' : '', o.allGpuNodes ? '--all-gpu-nodes' : ''].filter(Boolean);
  if (modes.length > 1) throw invalid('choose one of --nodes and --all-gpu-nodes');
  const nodeSelector = sched.parseNodeSelectors(o.nodeSelector) ?? {};
  if (modes.length && Object.keys(nodeSelector).length) {
    throw invalid(`--node-selector selects the fleet's nodes: it cannot be combined with ${modes[0]}`);
  }
  if (!modes.length && !Object.keys(nodeSelector).length) {
    throw invalid('fleet mode needs the nodes: --nodes FILE, --all-gpu-nodes or --node-selector key=value');
  }
  if (!o.output || o.output === '-') {
    throw invalid(
      'fleet mode writes one snapshot per node: --output DIR or cm://namespace/prefix is required',
    );
  }
  if (format === 'table') throw invalid('fleet snapshots are written as yaml or json, not table');
  const namespace = o.namespace || 'default';
  const jobName = o.jobName || 'aicr';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(jobName) || jobName.length > 40) {
    throw invalid(
      `invalid --job-name "${jobName}" for a fleet run: a DNS-1123 label of at most 40 characters`,
    );
  }
  let selection: import('../k8s/fleet.js').NodeSelection;
  const { parseNodeList } = await import('../k8s/fleet.js');
  if (o.nodes) {
    const names = parseNodeList(await readNodeList(o.nodes));
    if (names.length === 0) throw invalid(`--nodes ${o.nodes}: no node names in it`);
    const bad = names.find((n) => !NODE_NAME.test(n) || n.length > 253);
    if (bad) throw invalid(`--nodes ${o.nodes}: "${bad}" is not a valid node name`);
    selection = { kind: 'names', names };
  } else if (o.allGpuNodes) selection = { kind: 'gpu' };
  else selection = { kind: 'selector', selector: nodeSelector };

  let dir: string | undefined;
  let cmPrefix = `${jobName}-snapshot`;
  let keep = false;
  if (uri.isConfigMapUri(o.output)) {
    const ref = uri.parseConfigMapUri(o.output);
    if (ref.namespace !== namespace) {
      throw invalid(
        `--output ${o.output}: fleet results are written in the agent namespace "${namespace}" (-n); use cm://${namespace}/${ref.name}`,
      );
    }
    cmPrefix = ref.name;
    keep = true;
  } else {
    uri.checkOutputLocation(o.output, 'fleet snapshots');
    dir = o.output;
    const st = await stat(dir).catch(() => undefined);
    if (st && !st.isDirectory())
      throw invalid(`--output ${dir}: fleet mode writes a directory, and this is a file`);
    await mkdir(dir, { recursive: true });
  }
  const timeoutMs =
    (o.timeout === undefined ? 0 : parseDuration(o.timeout, '--timeout')) || DEFAULT_AGENT_TIMEOUT_MS;
  const { defaultAgentImage, buildInfo } = await import('../version/buildinfo.js');
  const cfg = {
    namespace,
    jobName,
    serviceAccountName: o.serviceAccountName || 'aicr',
    image: o.image || defaultAgentImage(),
    imagePullSecrets: splitList(o.imagePullSecret),
    nodeSelector: {},
    tolerations: sched.parseTolerations(o.toleration),
    privileged: o.privileged ?? true,
    requireGpu: o.requireGpu ?? false,
    runtimeClass: o.runtimeClass || undefined,
    output: '',
    debug: o.debug ?? false,
    maxNodesPerEntry: o.maxNodesPerEntry ?? 0,
    timeoutMs,
  };

  const [{ runFleet }, { InterruptedError }] = await Promise.all([
    import('../k8s/fleet.js'),
    import('../k8s/call.js'),
  ]);
  const tty = !!process.stderr.isTTY;
  let lastPrint = 0;
  let lastText = '';
  const progress = (done: number, failed: number, total: number) => {
    const text = `${done}/${total} nodes done, ${failed} failed`;
    if (text === lastText) return;
    lastText = text;
    const now = Date.now();
    if (tty) writeStderr(`\r\x1b[2K${text}${done === total ? '\n' : ''}`);
    else if (done === total || now - lastPrint >= 1000) {
      lastPrint = now;
      writeStderr(`${text}\n`);
    }
  };
  const ac = new AbortController();
  const onSignal = () => {
    log().warn('interrupted: stopping the fleet agents and cleaning up');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  let res;
  try {
    res = await runFleet({
      cfg,
      selection,
      workers: o.workers ?? DEFAULT_WORKERS,
      configMapPrefix: cmPrefix,
      kubeconfig: o.kubeconfig,
      cleanup: o.cleanup ?? true,
      keepConfigMaps: keep,
      signal: ac.signal,
      onProgress: progress,
    });
  } catch (err) {
    if (ac.signal.aborted && err instanceof InterruptedError) {
      if (tty) writeStderr('\n');
      log().error('interrupted');
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const [{ buildFleetReport }, { serialize }, { writeOutput, writeFileSafe }] = await Promise.all([
    import('../diff/fleet.js'),
    import('../io/serialize.js'),
    import('../io/writer.js'),
  ]);
  const { rfc3339 } = await import('../snapshot/snapshotter.js');
  const report = buildFleetReport(res.outcomes, {
    timestamp: rfc3339(new Date()),
    version: buildInfo.version,
    duration: `${((Date.now() - started) / 1000).toFixed(1)}s`,
  });
  const ext = format === 'json' ? 'json' : 'yaml';
  if (dir) {
    for (const r of res.outcomes) {
      if (!r.snapshot) continue;
      const text =
        format === 'yaml' && r.format === 'yaml' && r.text ? r.text : serialize(r.snapshot, format);
      await writeFileSafe(path.join(dir, `${r.node}.${ext}`), text);
    }
    await writeFileSafe(path.join(dir, `fleet-report.${ext}`), serialize(report, format));
  } else {
    await writeOutput(`cm://${namespace}/${cmPrefix}-fleet-report`, serialize(report, format), {
      kind: 'fleet',
      format,
      kubeconfig: o.kubeconfig,
    });
  }
  log().info('fleet snapshot completed', {
    nodes: report.nodeCount,
    succeeded: report.succeeded,
    failed: report.failed,
    seconds: ((Date.now() - started) / 1000).toFixed(1),
    output: o.output,
  });
  if (report.failed > 0) process.exitCode = FLEET_PARTIAL_EXIT;
}

/** A `--nodes` file: plain text (any extension), `-` for stdin, a URL or an s3:// object. */
async function readNodeList(location: string): Promise<string> {
  const { checkInputLocation, isConfigMapUri, isHttpUrl, isS3Uri } = await import('../io/uri.js');
  if (isConfigMapUri(location)) {
    throw invalid(
      `--nodes ${location}: a node list is read from a file, - (stdin), an http(s) URL or s3://bucket/key`,
    );
  }
  // The one reader's size caps for files, devices, FIFOs, stdin and HTTP; a missing file is exit 3.
  const reader = await import('../io/reader.js');
  if (location === '-' || isHttpUrl(location) || isS3Uri(location)) {
    return (await reader.readSource(location, { what: 'node list' })).text;
  }
  checkInputLocation(location, 'node list');
  return reader.readLocalFile(location, 'node list');
}

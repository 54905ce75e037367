/** `aicr snapshot`: collect this machine's (and its cluster's) configuration into a Snapshot document. */
import type { Command } from 'commander';
import { invalid } from '../errors/index.js';
import { parseFormat } from '../io/serialize.js';
import { agentModeFromEnv, debugFromEnv, maxNodesPerEntryFromEnv } from '../util/env.js';
import { addFlags, addOutputFlags, examples, FlagState, type FlagSpec, type FlagValues } from './flags.js';
import { addConfigFlag } from './config.js';
import { addAgentFlags, wantsAgent, type AgentFlags } from './snapshot-agent.js';
import { addFleetFlags, wantsFleet, type FleetFlags } from './snapshot-fleet.js';

/** `aicr snapshot` options of local collection, in help order (output and agent flags added apart). */
const SNAPSHOT_FLAGS = [
  {
    flags: '-k, --kubeconfig <path>',
    help: 'kubeconfig for the K8s and NodeTopology collectors and cm:// output (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    kind: 'value',
  },
  {
    flags: '--filter <types>',
    help: 'collect only these types, comma-separated: k8s, systemd, os, gpu, topology',
    kind: 'list',
  },
  { flags: '--exclude <types>', help: 'skip these types, comma-separated', kind: 'list' },
  {
    flags: '--max-nodes-per-entry <n>',
    help: 'cap on node names listed per topology taint/label entry, 0 = unlimited (env AICR_MAX_NODES_PER_ENTRY)',
    kind: 'int',
  },
  {
    flags: '--timeout <duration>',
    help: 'limit for the whole collection, e.g. 90s, 5m, 1h30m (default 5m); collectors still running then are left out with a warning; with --deploy-agent: how long to wait for the agent Job',
    kind: 'value',
  },
  {
    flags: '--watch',
    help: 'keep collecting; write one JSON object per change to stdout (NDJSON): time, measurement-path changes and the RFC 6902 patch against the previous snapshot',
    kind: 'switch',
  },
  {
    flags: '--interval <duration>',
    help: 'with --watch: time between collections (default 30s); changes to os-release, grub defaults, kubelet or containerd config trigger one within a second',
    kind: 'value',
  },
  {
    flags: '--on-change <command>',
    help: 'with --watch: run this shell command on each change, the change object on stdin and AICR_CHANGE_* variables set; never overlapping',
    kind: 'value',
  },
  { flags: '--max-changes <n>', help: 'with --watch: stop (exit 0) after n changes', kind: 'int', min: 1 },
  { flags: '--watch-timeout <duration>', help: 'with --watch: stop (exit 0) after this long', kind: 'value' },
  {
    flags: '--cache-ttl <duration>',
    help: 'reuse a snapshot this machine took within this long (e.g. 5m) with the same collectors, flags and host, from $XDG_CACHE_HOME/aicr/snapshots (default ~/.cache/aicr); local collection only',
    kind: 'value',
  },
  {
    flags: '--upload <location>',
    help: 'also write the snapshot here (same format), e.g. s3://bucket/snapshots/$(hostname).yaml; any output form',
    kind: 'value',
  },
  {
    flags: '--no-cache',
    help: 'with --cache-ttl: collect anew (the fresh snapshot replaces the cached one)',
    kind: 'switch',
  },
] as const satisfies readonly FlagSpec[];

type SnapshotFlags = AgentFlags &
  FleetFlags &
  Omit<FlagValues<typeof SNAPSHOT_FLAGS>, 'noCache'> & { output?: string; format?: string; cache?: boolean };

export function registerSnapshot(program: Command, st: FlagState): void {
  const cmd = program
    .command('snapshot')
    .description(
      'Capture this node and its cluster: OS (grub, sysctl, kmod, os-release), SystemD units, GPUs (nvidia-smi), Kubernetes (server, images, ClusterPolicy, node) and node topology',
    )
    .addHelpText(
      'after',
      examples([
        'aicr snapshot',
        'aicr snapshot -o snapshot.yaml',
        'aicr snapshot --format json -o snapshot.json',
        'aicr snapshot --filter gpu,os',
        'aicr snapshot --exclude k8s,topology',
        'aicr snapshot --kubeconfig ~/.kube/prod --max-nodes-per-entry 10',
        'aicr snapshot -o cm://gpu-operator/aicr-snapshot',
        'aicr snapshot -o snapshot.yaml && aicr recipe --snapshot snapshot.yaml --intent training',
        'aicr snapshot --deploy-agent -n gpu-operator --node-selector nvidia.com/gpu.present=true -o snapshot.yaml',
        'aicr snapshot --deploy-agent --print-manifests -n gpu-operator > agent.yaml',
        'aicr snapshot --deploy-agent -n aicr --all-gpu-nodes --workers 20 -o fleet/',
        'aicr snapshot --deploy-agent -n aicr --nodes nodes.txt --workers 10 -o cm://aicr/nightly',
        '',
        'aicr snapshot --cache-ttl 5m -o snapshot.yaml        # scripts: collect at most every 5 minutes',
        'aicr snapshot -o s3://my-bucket/snapshots/node-1.yaml',
        'aicr snapshot -o snapshot.yaml --upload s3://my-bucket/snapshots/$(hostname).yaml',
        '',
        'aicr snapshot --watch --interval 30s --on-change ./alert.sh > changes.ndjson',
        'aicr snapshot --watch --interval 1m -o cm://gpu-operator/aicr-snapshot --on-change "jq -c .changes"',
        '',
        '# Collector types for --filter/--exclude: k8s, systemd, os, gpu, topology.',
        '# A missing facility (no nvidia-smi, no systemd, no cluster) is a warning, not an error.',
      ]),
    );
  addOutputFlags(cmd, st);
  addFlags(cmd, SNAPSHOT_FLAGS);
  addAgentFlags(cmd, st);
  addFleetFlags(cmd, st);
  addConfigFlag(cmd, 'snapshot');
  cmd.action(async (opts: SnapshotFlags, command: Command) => {
    const format = parseFormat(opts.format);
    if (opts.upload !== undefined && (opts.watch || wantsAgent(opts) || wantsFleet(opts))) {
      throw invalid(
        '--upload is an extra output of a local snapshot: it cannot be combined with --watch, --deploy-agent or --print-manifests',
      );
    }
    if (opts.cacheTtl !== undefined && (opts.watch || wantsAgent(opts) || wantsFleet(opts))) {
      throw invalid(
        '--cache-ttl reuses a snapshot collected on this machine: it cannot be combined with --watch, --deploy-agent or --print-manifests',
      );
    }
    if (wantsFleet(opts) && !agentModeFromEnv()) {
      const debug = (command.optsWithGlobals() as { debug?: boolean }).debug ?? debugFromEnv();
      const { runFleetSnapshot } = await import('../commands/snapshot-fleet.js');
      return runFleetSnapshot({ ...opts, debug }, format);
    }
    // The kubeconfig is an input (the K8s collectors read it): writing the snapshot over it is refused.
    const { kubeconfigInputs, preflightOutput } = await import('../io/writer.js');
    const inputs = kubeconfigInputs(opts.kubeconfig, [], true);
    await preflightOutput(opts.output, 'snapshot', inputs);
    if (opts.upload !== undefined) await preflightOutput(opts.upload, 'snapshot', inputs);
    const watchOnly = (['interval', 'onChange', 'maxChanges', 'watchTimeout'] as const).find(
      (k) => opts[k] !== undefined,
    );
    if (watchOnly && !opts.watch) {
      const flag = watchOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw invalid(`--${flag} needs --watch`);
    }
    if (opts.watch && wantsAgent(opts)) {
      throw invalid(
        '--watch collects on this machine: it cannot be combined with --deploy-agent or --print-manifests',
      );
    }
    if (wantsAgent(opts)) {
      const debug = (command.optsWithGlobals() as { debug?: boolean }).debug ?? debugFromEnv();
      const { runAgentSnapshot } = await import('../commands/snapshot-agent.js');
      return runAgentSnapshot({ ...opts, debug }, format);
    }
    const request = {
      filter: opts.filter,
      exclude: opts.exclude,
      kubeconfig: opts.kubeconfig,
      maxNodesPerEntry: opts.maxNodesPerEntry ?? maxNodesPerEntryFromEnv(),
      timeout: opts.timeout,
      output: opts.output,
      format,
      requireGpu: opts.requireGpu,
      inputs,
      cacheTtl: opts.cacheTtl,
      upload: opts.upload,
      noCache: opts.cache === false,
    };
    if (opts.watch) {
      const { runWatchSnapshot } = await import('../commands/snapshot.js');
      return runWatchSnapshot({
        ...request,
        interval: opts.interval,
        onChange: opts.onChange,
        maxChanges: opts.maxChanges,
        watchTimeout: opts.watchTimeout,
      });
    }
    const { runLocalSnapshot } = await import('../commands/snapshot.js');
    await runLocalSnapshot(request);
  });
}

/** `aicr exporter`: a Prometheus exporter of node facts and recipe constraints (or its DaemonSet manifests). */
import type { Command } from 'commander';
import { invalid } from '../errors/index.js';
import { parseDuration } from '../util/duration.js';
import { addFlags, examples, type FlagSpec, type FlagValues } from './flags.js';

export const DEFAULT_LISTEN = ':9477';

const EXPORTER_FLAGS = [
  {
    flags: '--listen <addr>',
    help: `address to serve /metrics and /healthz on: [host]:port (default "${DEFAULT_LISTEN}", all interfaces)`,
    kind: 'value',
  },
  { flags: '--interval <duration>', help: 'time between collections (default "60s")', kind: 'value' },
  {
    flags: '-r, --recipe <location>',
    help: 'recipe whose constraints are checked on every collection: file, http(s):// URL or cm://namespace/name',
    kind: 'value',
  },
  {
    flags: '--filter <types>',
    help: 'collectors to run: k8s, systemd, os, gpu, topology (comma-separated; default all)',
    kind: 'list',
  },
  { flags: '--exclude <types>', help: 'collectors to skip', kind: 'list' },
  {
    flags: '-k, --kubeconfig <path>',
    help: 'kubeconfig for the K8s collectors and cm:// recipes (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    kind: 'value',
  },
  {
    flags: '--timeout <duration>',
    help: 'limit for one collection (default "5m"; the next starts --interval after it ends)',
    kind: 'value',
  },
  {
    flags: '--max-collections <n>',
    help: 'stop after N collections (0, the default: run until SIGTERM/SIGINT)',
    kind: 'int',
    min: 0,
  },
  {
    flags: '--print-manifests',
    help: 'print the DaemonSet, ServiceAccount, ClusterRole, Service (and ServiceMonitor) YAML instead',
    kind: 'switch',
  },
  { flags: '-n, --namespace <ns>', help: 'namespace of the manifests (default "default")', kind: 'value' },
  {
    flags: '--image <image>',
    help: 'exporter image in the manifests (default: the aicr image)',
    kind: 'value',
  },
  { flags: '--image-pull-secret <name>', help: 'image pull secret in the manifests', kind: 'list' },
  {
    flags: '--node-selector <k=v>',
    help: 'DaemonSet node selector (default nvidia.com/gpu.present=true)',
    kind: 'list',
  },
  { flags: '--toleration <k=v:Effect>', help: 'DaemonSet toleration (default: every taint)', kind: 'list' },
  { flags: '--service-monitor', help: 'also print a prometheus-operator ServiceMonitor', kind: 'switch' },
] as const satisfies readonly FlagSpec[];

type ExporterOpts = FlagValues<typeof EXPORTER_FLAGS>;

export function registerExporter(program: Command): void {
  const cmd = program
    .command('exporter')
    .description(
      'Serve node facts (GPUs, driver, OS, kernel, Kubernetes) and recipe constraint results as Prometheus metrics',
    );
  addFlags(cmd, EXPORTER_FLAGS);
  cmd.addHelpText(
    'after',
    examples([
      'aicr exporter --listen :9477',
      'aicr exporter --listen 127.0.0.1:9477 --interval 5m --recipe recipe.yaml --filter gpu,os,k8s',
      'aicr exporter --print-manifests -n monitoring --recipe cm://monitoring/recipe --service-monitor > exporter.yaml',
      'curl -s localhost:9477/metrics | grep ^aicr_',
      '',
      '# Metrics: aicr_gpus, aicr_gpu_info, aicr_gpu_driver_info, aicr_gpu_mig_mode_enabled, aicr_os_info,',
      '# aicr_kernel_info, aicr_kubernetes_info, aicr_constraint_pass, aicr_constraints, aicr_collector_up,',
      '# aicr_collection_duration_seconds, aicr_collections_total, aicr_collection_errors_total,',
      '# aicr_last_success_timestamp_seconds (docs/observability.md).',
      '# Exit codes: 0 stopped by SIGTERM/SIGINT (or --max-collections reached); 2 bad flag or address in use;',
      '# 3 recipe not found; 6 recipe URL unreachable.',
    ]),
  );
  cmd.action(async (o: ExporterOpts) => {
    const interval = o.interval ?? '60s';
    if (o.printManifests) {
      parseDuration(interval, '--interval', { positive: true });
      const { printExporterManifests } = await import('../commands/exporter-print.js');
      printExporterManifests({ ...o, serviceMonitor: !!o.serviceMonitor, interval });
      return;
    }
    for (const f of [
      'namespace',
      'image',
      'imagePullSecret',
      'nodeSelector',
      'toleration',
      'serviceMonitor',
    ] as const) {
      if (o[f] !== undefined)
        throw invalid(`--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is only for --print-manifests`);
    }
    const intervalMs = parseDuration(interval, '--interval', { positive: true });
    const timeoutMs =
      o.timeout === undefined ? undefined : parseDuration(o.timeout, '--timeout', { positive: true });
    if (o.recipe) {
      const { checkInputLocation } = await import('../io/uri.js');
      checkInputLocation(o.recipe, 'recipe');
    }
    const { runExporter } = await import('../commands/exporter.js');
    await runExporter({
      listen: o.listen ?? DEFAULT_LISTEN,
      intervalMs,
      recipe: o.recipe,
      filter: o.filter,
      exclude: o.exclude,
      kubeconfig: o.kubeconfig,
      timeoutMs,
      maxCollections: o.maxCollections,
    });
  });
}

/**
 * Collector selection and construction without loading any collector module: the CLI's snapshot
 * command imports only the collectors it runs (src/collector/load.ts; decision 15), the tests build
 * them all from src/collector/index.ts.
 */
import os from 'node:os';
import { invalid } from '../errors/index.js';
import type { GpuCollector } from './gpu.js';
import type { K8sCollector } from './k8s.js';
import type { KubeSession } from './kube.js';
import type { OsCollector } from './os.js';
import type { SystemdCollector } from './systemd.js';
import type { NodeTopologyCollector } from './topology.js';
import { COLLECTOR_NAMES, type Collector, type CollectorName } from './types.js';
import { osRootFromEnv } from '../util/env.js';

/** The collector classes buildCollectors needs for the names it is given. */
export interface CollectorModules {
  K8sCollector?: typeof K8sCollector;
  KubeSession?: typeof KubeSession;
  SystemdCollector?: typeof SystemdCollector;
  DEFAULT_SYSTEMD_UNITS?: string[];
  OsCollector?: typeof OsCollector;
  GpuCollector?: typeof GpuCollector;
  NodeTopologyCollector?: typeof NodeTopologyCollector;
}

export const ALL_COLLECTORS = Object.keys(COLLECTOR_NAMES) as CollectorName[];

export interface CollectorFactoryOptions {
  /** `--kubeconfig`; otherwise KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** Node the K8s `node` subtype describes (default: `resolveNodeName`). */
  nodeName?: string;
  maxNodesPerEntry?: number;
  systemdUnits?: string[];
  /** nvidia-smi executable (default `nvidia-smi` on PATH). */
  nvidiaSmi?: string;
  /** Page size of list calls (default 500). */
  pageSize?: number;
  /** The whole collection's signal (`--timeout`): also stops kubeconfig exec credential plugins. */
  signal?: AbortSignal;
}

/** This node's name: NODE_NAME, KUBERNETES_NODE_NAME, HOSTNAME, else the host name. */
export function resolveNodeName(env: NodeJS.ProcessEnv = process.env): string {
  return env.NODE_NAME || env.KUBERNETES_NODE_NAME || env.HOSTNAME || os.hostname();
}

/**
 * The collectors `--filter` / `--exclude` select (comma-separated names of `COLLECTOR_NAMES`,
 * case-insensitive; the measurement type names work too), in output order.
 */
export function selectCollectors(filter?: string | string[], exclude?: string | string[]): CollectorName[] {
  const parse = (flag: string, v: string | string[] | undefined): Set<CollectorName> | undefined => {
    if (v === undefined) return undefined;
    const out = new Set<CollectorName>();
    for (const raw of (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','))) {
      const s = raw.trim().toLowerCase();
      if (s === '') continue;
      const name = ALL_COLLECTORS.find((n) => n === s || COLLECTOR_NAMES[n].toLowerCase() === s);
      if (!name) {
        throw invalid(
          `${flag}: unknown collector type "${raw.trim()}"; allowed: ${ALL_COLLECTORS.join(', ')}`,
        );
      }
      out.add(name);
    }
    return out;
  };
  const only = parse('--filter', filter);
  const skip = parse('--exclude', exclude) ?? new Set();
  const chosen = ALL_COLLECTORS.filter((n) => (!only || only.size === 0 || only.has(n)) && !skip.has(n));
  if (chosen.length === 0) {
    throw invalid(`--filter/--exclude leave nothing to collect; types: ${ALL_COLLECTORS.join(', ')}`);
  }
  return chosen;
}

/** Builds the named collectors, in output order (K8s, SystemD, OS, GPU, NodeTopology), from `m`. */
export function buildCollectors(
  names: CollectorName[],
  opts: CollectorFactoryOptions,
  m: CollectorModules,
): Collector[] {
  const env = opts.env ?? process.env;
  const want = new Set(names);
  const consumers = (['k8s', 'topology'] as const).filter((n) => want.has(n)).map((n) => COLLECTOR_NAMES[n]);
  const session = consumers.length
    ? new m.KubeSession!({ kubeconfig: opts.kubeconfig, env, consumers, signal: opts.signal })
    : undefined;
  const out: Collector[] = [];
  for (const name of ALL_COLLECTORS) {
    if (!want.has(name)) continue;
    switch (name) {
      case 'k8s':
        out.push(
          new m.K8sCollector!({
            session: session!,
            nodeName: opts.nodeName ?? resolveNodeName(env),
            pageSize: opts.pageSize,
          }),
        );
        break;
      case 'systemd':
        out.push(new m.SystemdCollector!({ units: opts.systemdUnits ?? m.DEFAULT_SYSTEMD_UNITS!, env }));
        break;
      case 'os':
        // AICR_OS_ROOT: read os-release, /proc/cmdline, /proc/sys… under another root (a host mounted
        // into a container, or tests); keys keep the logical paths.
        out.push(new m.OsCollector!({ root: osRootFromEnv(env) }));
        break;
      case 'gpu':
        out.push(new m.GpuCollector!({ command: opts.nvidiaSmi, env }));
        break;
      case 'topology':
        out.push(
          new m.NodeTopologyCollector!({
            session: session!,
            maxNodesPerEntry: opts.maxNodesPerEntry,
            pageSize: opts.pageSize,
          }),
        );
        break;
    }
  }
  return out;
}

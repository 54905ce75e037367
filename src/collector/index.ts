/**
 * Collector factory: builds the selected collectors, in output order, sharing one cluster connection
 * between K8s and NodeTopology.
 */
import { GpuCollector } from './gpu.js';
import { K8sCollector } from './k8s.js';
import { KubeSession } from './kube.js';
import { OsCollector } from './os.js';
import { SystemdCollector, DEFAULT_SYSTEMD_UNITS } from './systemd.js';
import { NodeTopologyCollector } from './topology.js';
import { buildCollectors, type CollectorFactoryOptions } from './select.js';
import type { Collector, CollectorName } from './types.js';

export * from './types.js';
export {
  ALL_COLLECTORS,
  buildCollectors,
  resolveNodeName,
  selectCollectors,
  type CollectorFactoryOptions,
  type CollectorModules,
} from './select.js';
export { GpuCollector, parseNvidiaSmiXml } from './gpu.js';
export { K8sCollector, parseImage, providerFromId, flattenSpec } from './k8s.js';
export { KubeSession } from './kube.js';
export { OsCollector } from './os.js';
export { SystemdCollector, DEFAULT_SYSTEMD_UNITS } from './systemd.js';
export { NodeTopologyCollector, formatNodes } from './topology.js';

/** Builds the named collectors, in output order (K8s, SystemD, OS, GPU, NodeTopology). */
export function createCollectors(names: CollectorName[], opts: CollectorFactoryOptions = {}): Collector[] {
  const modules = { K8sCollector, KubeSession, SystemdCollector, DEFAULT_SYSTEMD_UNITS, OsCollector };
  return buildCollectors(names, opts, { ...modules, GpuCollector, NodeTopologyCollector });
}

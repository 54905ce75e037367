/**
 * The selected collectors with only their modules imported (decision 15): `snapshot --filter os` does
 * not load the Kubernetes client, HTTP/TLS or nvidia-smi parsing.
 */
import { buildCollectors, type CollectorFactoryOptions } from './select.js';
import type { Collector, CollectorName } from './types.js';

export async function loadCollectors(
  names: CollectorName[],
  opts: CollectorFactoryOptions = {},
): Promise<Collector[]> {
  const want = new Set(names);
  const cluster = want.has('k8s') || want.has('topology');
  const [k8s, kube, systemd, os, gpu, topology] = await Promise.all([
    want.has('k8s') ? import('./k8s.js') : undefined,
    cluster ? import('./kube.js') : undefined,
    want.has('systemd') ? import('./systemd.js') : undefined,
    want.has('os') ? import('./os.js') : undefined,
    want.has('gpu') ? import('./gpu.js') : undefined,
    want.has('topology') ? import('./topology.js') : undefined,
  ]);
  return buildCollectors(names, opts, {
    K8sCollector: k8s?.K8sCollector,
    KubeSession: kube?.KubeSession,
    SystemdCollector: systemd?.SystemdCollector,
    DEFAULT_SYSTEMD_UNITS: systemd?.DEFAULT_SYSTEMD_UNITS,
    OsCollector: os?.OsCollector,
    GpuCollector: gpu?.GpuCollector,
    NodeTopologyCollector: topology?.NodeTopologyCollector,
  });
}

/**
 * Creates N Node objects (a quarter CPU-only, the rest labelled and tainted as GPU nodes) in the
 * control plane of a kubeconfig, 16 at a time; prints how long it took. Used by the bench's
 * realkube row (bench/_cluster.mjs) on a throw-away control plane.
 *
 *   node --import tsx bench/_realkube-nodes.ts KUBECONFIG N
 */
import { Api } from '../test/integration/real-cluster-helpers.js';

const [kubeconfig, count] = process.argv.slice(2);
const n = Number(count);
const api = await Api.load(kubeconfig!);
let next = 0;
const worker = async (): Promise<void> => {
  while (next < n) {
    const i = next++;
    const gpu = i % 4 !== 0;
    await api.ok('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: `bench-node-${String(i).padStart(5, '0')}`,
        labels: {
          'kubernetes.io/os': 'linux',
          'topology.kubernetes.io/zone': `zone-${i % 3}`,
          ...(gpu ? { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'H100' } : {}),
        },
      },
      spec: gpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {},
    });
  }
};
const t0 = Date.now();
await Promise.all(Array.from({ length: 16 }, worker));
console.log(`${n} Node objects created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

/**
 * Runs a FakeKubeApiServer in its own process (benchmarks measure the client process alone).
 *
 *   node --import tsx test/k8s/serve.ts --nodes 5000 --pods 100000 --kubeconfig /tmp/kc
 *
 * Prints one JSON line `{"url": …, "kubeconfig": …}` on stdout when ready; stops when stdin closes or on
 * SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { CLUSTER_POLICY_RESOURCE, FakeKubeApiServer } from './fake-api-server.js';
import { makeClusterPolicy, populateCluster } from './objects.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    pods: { type: 'string', default: '10' },
    kubeconfig: { type: 'string' },
  },
});
if (!values.kubeconfig) {
  process.stderr.write('--kubeconfig is required\n');
  process.exit(2);
}
const server = await FakeKubeApiServer.start({ recordRequests: false });
server.defineResource(CLUSTER_POLICY_RESOURCE);
populateCluster(server, { nodes: Number(values.nodes), pods: Number(values.pods) });
server.put(
  makeClusterPolicy('cluster-policy', {
    driver: { enabled: true, version: '570.86.15' },
    mig: { strategy: 'single' },
    toolkit: { enabled: true },
  }),
);
server.writeKubeconfig(values.kubeconfig);
process.stdout.write(JSON.stringify({ url: server.url, kubeconfig: values.kubeconfig }) + '\n');
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * ConfigMap store backed by the Kubernetes API. Placeholder until the Kubernetes integration lands:
 * every call fails with a clear "requires cluster access" error (exit 6).
 */
import { unavailable } from '../errors/index.js';
import type { ConfigMapStore } from '../io/configmap.js';

export function kubernetesConfigMapStore(): ConfigMapStore {
  const fail = (ref: { namespace: string; name: string }) =>
    Promise.reject(
      unavailable(
        `cm://${ref.namespace}/${ref.name} requires cluster access, which this build does not support yet; use a file or stdin instead`,
      ),
    );
  return { read: fail, write: fail };
}

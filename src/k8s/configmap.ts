/**
 * ConfigMap store backed by the Kubernetes API (`cm://namespace/name` inputs and outputs).
 *
 * Write = get, then create when absent or update when present: other data keys, binaryData, labels
 * and annotations already on the ConfigMap are kept; our keys and labels replace theirs. The update
 * carries the resourceVersion that was read, so a concurrent writer makes it fail with 409 Conflict;
 * the store then re-reads and retries (a few times, with a short backoff). A ConfigMap holds at most
 * 1 MiB: a write whose result would be larger is refused before any call.
 *
 * Every call has its own deadline (30 s, or env AICR_K8S_REQUEST_TIMEOUT as a Go duration, e.g. `10s`).
 */
import { AicrError, invalid } from '../errors/index.js';
import type { ConfigMapReadOptions, ConfigMapStore, ConfigMapWriteRequest } from '../io/configmap.js';
import { CONFIGMAP_MAX_BYTES } from '../io/limits.js';
import type { ConfigMapRef } from '../io/uri.js';
import { log } from '../logging/logger.js';
import { Kube, requestTimeoutFromEnv } from './call.js';
import { loadKubeConfig, type LoadedKubeConfig } from './client.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
export const MAX_CONFLICT_RETRIES = 5;

export interface KubernetesConfigMapStoreOptions {
  /** Deadline of each API call. */
  requestTimeoutMs?: number;
  /** Pause before retry n (1-based) after a conflict; default 50 ms × n. */
  backoffMs?: (attempt: number) => number;
}

function uri(ref: ConfigMapRef): string {
  return `cm://${ref.namespace}/${ref.name}`;
}

/** Connects with the kubeconfig chain; failures name the ConfigMap that needed the cluster. */
async function connect(ref: ConfigMapRef, action: string, kubeconfig?: string): Promise<LoadedKubeConfig> {
  try {
    return await loadKubeConfig({ kubeconfig });
  } catch (err) {
    throw new AicrError('INTERNAL', `cannot ${action} ${uri(ref)}`, err);
  }
}

/** The API context of a call on the ConfigMap `ref` (or on another `resource` about it). */
function cmCtx(ref: ConfigMapRef, verb: string, resource = 'configmaps') {
  return {
    verb,
    resource,
    namespace: ref.namespace,
    name: ref.name,
    what: `ConfigMap ${ref.namespace}/${ref.name}`,
  };
}

/** Total bytes of a ConfigMap's data and binaryData (what the 1 MiB limit counts, near enough). */
export function configMapSize(data: Record<string, string>, binaryData?: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(data)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  for (const [k, v] of Object.entries(binaryData ?? {}))
    n += Buffer.byteLength(k) + Math.floor((v.length * 3) / 4);
  return n;
}

export function kubernetesConfigMapStore(opts: KubernetesConfigMapStoreOptions = {}): ConfigMapStore {
  const timeoutMs = opts.requestTimeoutMs ?? requestTimeoutFromEnv();
  const backoff = opts.backoffMs ?? ((n: number) => 50 * n);

  return {
    async read(ref: ConfigMapRef, o: ConfigMapReadOptions): Promise<Record<string, string>> {
      const kube = new Kube(await connect(ref, 'read', o.kubeconfig), timeoutMs, o.signal);
      const cm = await kube.call(kube.k8s.CoreV1Api, cmCtx(ref, 'get'), (core) =>
        core.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace }),
      );
      return { ...(cm.data ?? {}) };
    },

    async precheckWrite(ref: ConfigMapRef, o: ConfigMapReadOptions): Promise<void> {
      const kube = new Kube(await connect(ref, 'write', o.kubeconfig), timeoutMs, o.signal);
      const conn = kube.conn;
      const what = `ConfigMap ${ref.namespace}/${ref.name}`;
      const status = (err: unknown) => (err as { code?: unknown }).code;
      // Does the ConfigMap exist (→ update) or not (→ create)?
      let exists = true;
      try {
        await kube.call(
          kube.k8s.CoreV1Api,
          cmCtx(ref, 'get'),
          (core) => core.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace }),
          isNotFound,
        );
      } catch {
        exists = false;
      }
      if (!exists) {
        // A user without cluster-wide read may not get namespaces (403): the namespace stays unknown.
        try {
          await kube.call(
            kube.k8s.CoreV1Api,
            cmCtx(ref, 'get', 'namespaces'),
            (core) => core.readNamespace({ name: ref.namespace }),
            (e) => isNotFound(e) || status(e) === 403,
          );
        } catch (err) {
          if (isNotFound(err)) {
            throw new AicrError(
              'NOT_FOUND',
              `cannot create ${what}: namespace "${ref.namespace}" not found on ${conn.server}; create the namespace first or use an existing one`,
            );
          }
        }
      }
      const verb = exists ? 'update' : 'create';
      let allowed: boolean | undefined;
      try {
        const res = await kube.call(
          kube.k8s.AuthorizationV1Api,
          cmCtx(ref, 'create', 'selfsubjectaccessreviews.authorization.k8s.io'),
          (authz) =>
            authz.createSelfSubjectAccessReview({
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: {
                  resourceAttributes: {
                    verb,
                    group: '',
                    resource: 'configmaps',
                    namespace: ref.namespace,
                    ...(exists ? { name: ref.name } : {}),
                  },
                },
              },
            }),
          (e) => status(e) === 403 || status(e) === 404,
        );
        allowed = res.status?.allowed === true;
      } catch {
        // This user may not create access reviews, or the API is not served: the write itself will tell.
      }
      if (allowed === false) {
        throw new AicrError(
          'UNAUTHORIZED',
          `forbidden: permission "${verb}" on "configmaps" in namespace "${ref.namespace}" is missing on ${conn.server} (needed to write ${uri(ref)}); ask a cluster admin to grant it (see docs/kubernetes.md)`,
        );
      }
      log().debug('ConfigMap output pre-checked', { configmap: uri(ref), verb });
    },

    async write(ref: ConfigMapRef, req: ConfigMapWriteRequest, o: ConfigMapReadOptions): Promise<void> {
      const kube = new Kube(await connect(ref, 'write', o.kubeconfig), timeoutMs, o.signal);
      const conn = kube.conn;
      const what = `ConfigMap ${ref.namespace}/${ref.name}`;
      /** One call on the ConfigMap; a conflict, or a not-found the loop handles, is rethrown raw. */
      const call = async <T>(
        verb: string,
        fn: (core: InstanceType<typeof conn.k8s.CoreV1Api>) => Promise<T>,
      ): Promise<T> => {
        try {
          return await kube.call(
            kube.k8s.CoreV1Api,
            cmCtx(ref, verb),
            fn,
            (e) => isConflict(e) || isNotFound(e),
          );
        } catch (err) {
          if (verb === 'create' && isNotFound(err)) {
            throw new AicrError(
              'NOT_FOUND',
              `cannot create ${what}: namespace "${ref.namespace}" not found on ${conn.server}; create the namespace first or use an existing one`,
            );
          }
          throw err;
        }
      };

      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          if (attempt > MAX_CONFLICT_RETRIES) {
            throw new AicrError(
              'SERVICE_UNAVAILABLE',
              `${what} on ${conn.server} kept changing while aicr wrote it (${MAX_CONFLICT_RETRIES} conflicting updates in a row); try again`,
            );
          }
          log().debug('ConfigMap changed concurrently, retrying', { configmap: uri(ref), attempt });
          await new Promise((r) => setTimeout(r, backoff(attempt)));
        }
        let existing:
          Awaited<ReturnType<InstanceType<typeof conn.k8s.CoreV1Api>['readNamespacedConfigMap']>> | undefined;
        try {
          existing = await call('get', (core) =>
            core.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace }),
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }

        if (!existing) {
          if (configMapSize(req.data) > CONFIGMAP_MAX_BYTES)
            throw tooLarge(what, configMapSize(req.data), []);
          try {
            await call('create', (core) =>
              core.createNamespacedConfigMap({
                namespace: ref.namespace,
                body: {
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  metadata: { name: ref.name, namespace: ref.namespace, labels: { ...req.labels } },
                  data: { ...req.data },
                },
              }),
            );
            log().debug('created ConfigMap', { configmap: uri(ref) });
            return;
          } catch (err) {
            if (isAlreadyExists(err) || isConflict(err)) continue;
            throw err;
          }
        }

        if (existing.immutable) {
          throw invalid(`${what} is immutable and cannot be updated; write to another ConfigMap name`);
        }
        const data = { ...(existing.data ?? {}), ...req.data };
        const size = configMapSize(data, existing.binaryData);
        if (size > CONFIGMAP_MAX_BYTES) {
          const others = Object.keys(existing.data ?? {}).filter((k) => !(k in req.data));
          throw tooLarge(what, size, [...others, ...Object.keys(existing.binaryData ?? {})]);
        }
        const metadata = {
          ...existing.metadata,
          name: ref.name,
          namespace: ref.namespace,
          labels: { ...(existing.metadata?.labels ?? {}), ...req.labels },
        };
        try {
          await call('update', (core) =>
            core.replaceNamespacedConfigMap({
              name: ref.name,
              namespace: ref.namespace,
              body: { ...existing, apiVersion: 'v1', kind: 'ConfigMap', metadata, data },
            }),
          );
          log().debug('updated ConfigMap', { configmap: uri(ref) });
          return;
        } catch (err) {
          if (isConflict(err) || isNotFound(err)) continue;
          throw err;
        }
      }
    },
  };
}

function tooLarge(what: string, size: number, otherKeys: string[]): AicrError {
  const others = otherKeys.length ? ` together with its other keys (${otherKeys.sort().join(', ')})` : '';
  return invalid(
    `${what} would hold ${size} bytes${others}, but a ConfigMap holds at most 1 MiB (${CONFIGMAP_MAX_BYTES} bytes); write the document to a file instead`,
  );
}

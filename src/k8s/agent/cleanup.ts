/** Snapshot agent, step 6: deletes the Job and RBAC objects (the result ConfigMap is kept). */
import type { AgentObjects, KubeObject } from '../agent-manifests.js';
import { type Api, Kube } from '../call.js';
import { isNotFound } from '../errors.js';
import { log } from '../../logging/logger.js';

/** Deletes the Job and RBAC objects; failures are a warning, never the run's result. */
export async function cleanupAgent(
  kube: Kube,
  objs: AgentObjects,
  jobUid: string | undefined,
): Promise<void> {
  const { k8s } = kube;
  const rbac = k8s.RbacAuthorizationV1Api;
  const ns = objs.job.metadata.namespace!;
  const failures: string[] = [];
  const del = async <A>(obj: KubeObject, api: Api<A>, resource: string, fn: (c: A) => Promise<unknown>) => {
    const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    try {
      await kube.call(
        api,
        { verb: 'delete', resource, namespace: obj.metadata.namespace, name: obj.metadata.name, what: id },
        fn,
        isNotFound,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const { job, serviceAccount: sa, role, roleBinding: rb, clusterRole: cr, clusterRoleBinding: crb } = objs;
  await Promise.all([
    // Only the Job this run created (uid precondition): never another run's Job of the same name.
    jobUid
      ? del(job, k8s.BatchV1Api, 'jobs.batch', (c) =>
          c.deleteNamespacedJob({
            name: job.metadata.name,
            namespace: ns,
            propagationPolicy: 'Background',
            body: { preconditions: { uid: jobUid } },
          }),
        )
      : Promise.resolve(),
    del(sa, k8s.CoreV1Api, 'serviceaccounts', (c) =>
      c.deleteNamespacedServiceAccount({ name: sa.metadata.name, namespace: ns }),
    ),
    del(role, rbac, 'roles.rbac.authorization.k8s.io', (c) =>
      c.deleteNamespacedRole({ name: role.metadata.name, namespace: ns }),
    ),
    del(rb, rbac, 'rolebindings.rbac.authorization.k8s.io', (c) =>
      c.deleteNamespacedRoleBinding({ name: rb.metadata.name, namespace: ns }),
    ),
    del(cr, rbac, 'clusterroles.rbac.authorization.k8s.io', (c) =>
      c.deleteClusterRole({ name: cr.metadata.name }),
    ),
    del(crb, rbac, 'clusterrolebindings.rbac.authorization.k8s.io', (c) =>
      c.deleteClusterRoleBinding({ name: crb.metadata.name }),
    ),
  ]);
  if (failures.length) {
    log().warn(
      `failed to delete ${failures.length} agent resource(s); delete them by hand:\n  - ${failures.sort().join('\n  - ')}`,
    );
  } else {
    log().info('removed the agent Job and RBAC objects', { namespace: ns });
  }
}

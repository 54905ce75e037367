/**
 * Snapshot agent, step 1–2: the permissions a deployment needs (SelfSubjectAccessReviews, every missing one
 * listed in one UNAUTHORIZED error) and the `--runtime-class` check.
 */
import { AicrError } from '../../errors/index.js';
import { type AgentConfig, RBAC_GROUP } from '../agent-manifests.js';
import { Kube } from '../call.js';
import { describeApiError } from '../client.js';
import { isNotFound } from '../errors.js';
import { log } from '../../logging/logger.js';
import { mapPool } from '../../util/pool.js';

export interface PermissionCheck {
  verb: string;
  /** API group ('' = core). */
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: cluster-scoped. */
  namespace?: string;
}

/** `create clusterroles.rbac.authorization.k8s.io (cluster-scoped)`, as `kubectl auth can-i` names it. */
export function describePermission(p: PermissionCheck): string {
  const res = `${p.resource}${p.group ? `.${p.group}` : ''}${p.subresource ? `/${p.subresource}` : ''}`;
  return `${p.verb} ${res} ${p.namespace !== undefined ? `(namespace "${p.namespace}")` : '(cluster-scoped)'}`;
}

/**
 * What the user deploying the agent needs. Besides creating the objects, Kubernetes only lets a user
 * create a Role/ClusterRole (and bind it) when they hold its permissions themselves, or have `escalate`;
 * those are listed too.
 */
export function requiredPermissions(
  cfg: Pick<AgentConfig, 'namespace'>,
  cleanup: boolean,
): { direct: PermissionCheck[]; grantedNamespaced: PermissionCheck[]; grantedCluster: PermissionCheck[] } {
  const ns = cfg.namespace;
  const n = (verb: string, group: string, resource: string, subresource?: string): PermissionCheck => ({
    verb,
    group,
    resource,
    ...(subresource ? { subresource } : {}),
    namespace: ns,
  });
  const c = (verb: string, group: string, resource: string): PermissionCheck => ({ verb, group, resource });
  const direct = [
    n('create', '', 'serviceaccounts'),
    n('create', RBAC_GROUP, 'roles'),
    n('create', RBAC_GROUP, 'rolebindings'),
    n('create', 'batch', 'jobs'),
    n('get', 'batch', 'jobs'),
    n('delete', 'batch', 'jobs'),
    n('list', '', 'pods'),
    n('get', '', 'pods', 'log'),
    n('get', '', 'configmaps'),
    c('create', RBAC_GROUP, 'clusterroles'),
    c('create', RBAC_GROUP, 'clusterrolebindings'),
  ];
  if (cleanup) {
    direct.push(
      n('delete', '', 'serviceaccounts'),
      n('delete', RBAC_GROUP, 'roles'),
      n('delete', RBAC_GROUP, 'rolebindings'),
      c('delete', RBAC_GROUP, 'clusterroles'),
      c('delete', RBAC_GROUP, 'clusterrolebindings'),
    );
  }
  const grantedNamespaced = [
    ...['create', 'get', 'update', 'patch'].map((v) => n(v, '', 'configmaps')),
    ...['get', 'list'].map((v) => n(v, '', 'pods')),
  ].filter((p) => !direct.some((d) => describePermission(d) === describePermission(p)));
  const grantedCluster = [
    ...['get', 'list'].map((v) => c(v, '', 'nodes')),
    ...['get', 'list'].map((v) => c(v, '', 'pods')),
    ...['get', 'list'].map((v) => c(v, 'nvidia.com', 'clusterpolicies')),
  ];
  return { direct, grantedNamespaced, grantedCluster };
}

/** Asks the API server which of `checks` the current user is allowed; undefined when it cannot tell. */
async function accessReview(kube: Kube, checks: PermissionCheck[]): Promise<boolean[] | undefined> {
  try {
    return await mapPool(checks, 8, async (p) => {
      const res = await kube.call(
        kube.k8s.AuthorizationV1Api,
        {
          verb: 'create',
          resource: 'selfsubjectaccessreviews.authorization.k8s.io',
          what: 'a SelfSubjectAccessReview',
        },
        (api) =>
          api.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb: p.verb,
                  group: p.group,
                  resource: p.resource,
                  ...(p.subresource ? { subresource: p.subresource } : {}),
                  ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
                },
              },
            },
          }),
        (err) => {
          const s = (err as { code?: unknown }).code;
          return s === 403 || s === 404;
        },
      );
      return res.status?.allowed === true;
    });
  } catch (err) {
    if (err instanceof AicrError) throw err;
    // 403/404: this user may not create access reviews, or the API is not served; the deployment
    // itself will report what is missing.
    log().warn('cannot check permissions before deploying the agent; continuing', {
      error: describeApiError(err),
    });
    return undefined;
  }
}

/** Pre-flight check: throws UNAUTHORIZED listing every missing permission. */
export async function preflight(kube: Kube, cfg: AgentConfig, cleanup: boolean): Promise<void> {
  const { direct, grantedNamespaced, grantedCluster } = requiredPermissions(cfg, cleanup);
  const all = [...direct, ...grantedNamespaced, ...grantedCluster];
  const allowed = await accessReview(kube, all);
  if (!allowed) return;
  let missing = all.filter((_, i) => !allowed[i]);
  const missingNs = missing.filter((p) => grantedNamespaced.includes(p));
  const missingCluster = missing.filter((p) => grantedCluster.includes(p));
  if (missingNs.length || missingCluster.length) {
    // Holding `escalate` on (cluster)roles lets a user grant permissions they do not hold.
    const esc = await accessReview(kube, [
      { verb: 'escalate', group: RBAC_GROUP, resource: 'roles', namespace: cfg.namespace },
      { verb: 'escalate', group: RBAC_GROUP, resource: 'clusterroles' },
    ]);
    if (esc?.[0]) missing = missing.filter((p) => !missingNs.includes(p));
    if (esc?.[1]) missing = missing.filter((p) => !missingCluster.includes(p) && !missingNs.includes(p));
  }
  if (missing.length === 0) return;
  const lines = missing.map((p) => `  - ${describePermission(p)}`).join('\n');
  throw new AicrError(
    'UNAUTHORIZED',
    `insufficient permissions to deploy the snapshot agent on ${kube.server}; missing:\n${lines}\n` +
      `Ask a cluster admin to grant them (docs/kubernetes.md lists the Role and ClusterRole), or run ` +
      `'aicr snapshot --deploy-agent --print-manifests' and have an admin apply the manifests`,
  );
}

export async function checkRuntimeClass(kube: Kube, name: string): Promise<void> {
  try {
    await kube.call(
      kube.k8s.NodeV1Api,
      { verb: 'get', resource: 'runtimeclasses.node.k8s.io', name, what: `RuntimeClass "${name}"` },
      (api) => api.readRuntimeClass({ name }),
      (err) => isNotFound(err) || (err as { code?: unknown }).code === 403,
    );
  } catch (err) {
    if (err instanceof AicrError) throw err;
    if (isNotFound(err)) {
      throw new AicrError(
        'NOT_FOUND',
        `RuntimeClass "${name}" (--runtime-class) not found on ${kube.server}; the NVIDIA GPU Operator creates it ` +
          `(usually "nvidia") — is it installed? Omit --runtime-class or name an existing one`,
      );
    }
    log().debug('cannot read RuntimeClass; assuming it exists', { runtimeClass: name });
  }
}

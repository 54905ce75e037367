/**
 * Snapshot agent, step 3: creates or updates the Namespace, RBAC objects and the Job, refusing to touch the
 * objects of another run that still holds the Job name.
 */
import type * as K8sModule from '@kubernetes/client-node';
import { AicrError } from '../../errors/index.js';
import type { AgentConfig, AgentObjects, KubeObject } from '../agent-manifests.js';
import { JOB_DELETE_WAIT_MS } from './types.js';
import { jobOutcome, readAgentJob } from './wait.js';
import { type Api, type CallCtx, InterruptedError, Kube } from '../call.js';
import { describeApiError } from '../client.js';
import { isAlreadyExists, isNotFound } from '../errors.js';
import { log } from '../../logging/logger.js';
import { sleep } from '../../util/async.js';

const asBody = (o: KubeObject) => o as never;

/** Creates `obj`, or updates it when it already exists. */
async function createOrUpdate<A>(
  kube: Kube,
  api: Api<A>,
  obj: KubeObject,
  resource: string,
  create: (client: A, body: never) => Promise<unknown>,
  replace: (client: A, body: never) => Promise<unknown>,
): Promise<void> {
  const ctx = (verb: string): CallCtx => ({
    verb,
    resource,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    what: `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`,
  });
  try {
    await kube.call(api, ctx('create'), (c) => create(c, asBody(obj)), isAlreadyExists);
    log().debug(`created ${obj.kind}`, { name: obj.metadata.name });
  } catch (err) {
    if (err instanceof AicrError) throw namespaceHint(err, obj);
    await kube.call(api, ctx('update'), (c) => replace(c, asBody(obj)));
    log().debug(`updated ${obj.kind}`, { name: obj.metadata.name });
  }
}

function namespaceHint(err: AicrError, obj: KubeObject): AicrError {
  if (err.code === 'NOT_FOUND' && obj.metadata.namespace) {
    return new AicrError(
      'NOT_FOUND',
      `cannot create ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: namespace "${obj.metadata.namespace}" not found (and aicr could not create it)`,
      err,
    );
  }
  return err;
}

/**
 * Another run with the same Job name and namespace must not be clobbered: a Job of that name that has
 * not finished (and is not being deleted) belongs to a run still in progress, so this run stops before
 * it creates or changes anything. A finished Job is a leftover (e.g. `--no-cleanup`) and is replaced.
 */
export async function checkNoActiveRun(kube: Kube, cfg: AgentConfig): Promise<void> {
  let job: K8sModule.V1Job;
  try {
    job = await readAgentJob(kube, cfg, isNotFound);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (job.metadata?.deletionTimestamp || jobOutcome(job).state !== 'running') return;
  throw activeRunError(kube, cfg, job.metadata?.creationTimestamp);
}

/** Another run holds the Job name: this run leaves every object alone, cleanup included. */
export class ActiveRunError extends AicrError {}

function activeRunError(kube: Kube, cfg: AgentConfig, since?: Date | string): AicrError {
  const ns = cfg.namespace;
  const when = since ? ` (created ${since instanceof Date ? since.toISOString() : since})` : '';
  return new ActiveRunError(
    'SERVICE_UNAVAILABLE',
    `another snapshot run is active: Job ${ns}/${cfg.jobName}${when} on ${kube.server} has not finished; ` +
      `wait for it, use another --job-name, or delete it if it is stale (kubectl -n ${ns} delete job ${cfg.jobName})`,
  );
}

/** Deploys the objects; returns the new Job's uid. */
export async function deploy(
  kube: Kube,
  cfg: AgentConfig,
  objs: AgentObjects,
  pollMs: number,
): Promise<string> {
  const { k8s } = kube;
  const ns = cfg.namespace;
  try {
    await kube.call(
      k8s.CoreV1Api,
      { verb: 'create', resource: 'namespaces', name: ns, what: `namespace "${ns}"` },
      (api) => api.createNamespace({ body: asBody(objs.namespace) }),
      () => true,
    );
    log().info('created namespace', { namespace: ns });
  } catch (err) {
    if (err instanceof AicrError) throw err;
    // Exists already (409) or this user may not create namespaces (403): go on either way.
    log().debug('namespace not created', { namespace: ns, reason: describeApiError(err) });
  }

  const sa = objs.serviceAccount;
  try {
    await kube.call(
      k8s.CoreV1Api,
      {
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: ns,
        name: sa.metadata.name,
        what: `ServiceAccount ${ns}/${sa.metadata.name}`,
      },
      (api) => api.createNamespacedServiceAccount({ namespace: ns, body: asBody(sa) }),
      isAlreadyExists,
    );
  } catch (err) {
    if (err instanceof AicrError) throw namespaceHint(err, sa);
    log().debug('ServiceAccount exists already', { name: sa.metadata.name });
  }

  const rbac = k8s.RbacAuthorizationV1Api;
  await createOrUpdate(
    kube,
    rbac,
    objs.role,
    'roles.rbac.authorization.k8s.io',
    (c, body) => c.createNamespacedRole({ namespace: ns, body }),
    (c, body) => c.replaceNamespacedRole({ namespace: ns, name: objs.role.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.roleBinding,
    'rolebindings.rbac.authorization.k8s.io',
    (c, body) => c.createNamespacedRoleBinding({ namespace: ns, body }),
    (c, body) =>
      c.replaceNamespacedRoleBinding({ namespace: ns, name: objs.roleBinding.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.clusterRole,
    'clusterroles.rbac.authorization.k8s.io',
    (c, body) => c.createClusterRole({ body }),
    (c, body) => c.replaceClusterRole({ name: objs.clusterRole.metadata.name, body }),
  );
  await createOrUpdate(
    kube,
    rbac,
    objs.clusterRoleBinding,
    'clusterrolebindings.rbac.authorization.k8s.io',
    (c, body) => c.createClusterRoleBinding({ body }),
    (c, body) => c.replaceClusterRoleBinding({ name: objs.clusterRoleBinding.metadata.name, body }),
  );

  // A Job's template cannot be changed: an old Job of the same name is deleted and waited for.
  const jobName = cfg.jobName;
  const jobCtx = (verb: string): CallCtx => ({
    verb,
    resource: 'jobs.batch',
    namespace: ns,
    name: jobName,
    what: `Job ${ns}/${jobName}`,
  });
  try {
    await kube.call(
      k8s.BatchV1Api,
      jobCtx('delete'),
      (api) => api.deleteNamespacedJob({ name: jobName, namespace: ns, propagationPolicy: 'Foreground' }),
      isNotFound,
    );
    log().info('deleted the previous agent Job', { job: `${ns}/${jobName}` });
    const until = Date.now() + JOB_DELETE_WAIT_MS;
    for (;;) {
      try {
        await kube.call(
          k8s.BatchV1Api,
          jobCtx('get'),
          (api) => api.readNamespacedJob({ name: jobName, namespace: ns }),
          isNotFound,
        );
      } catch (err) {
        if (isNotFound(err)) break;
        throw err;
      }
      if (Date.now() >= until) {
        throw new AicrError(
          'TIMEOUT',
          `the previous Job ${ns}/${jobName} was still being deleted after ${JOB_DELETE_WAIT_MS / 1000}s; delete it (kubectl -n ${ns} delete job ${jobName}) or use another --job-name`,
        );
      }
      await sleep(Math.min(pollMs, 500), kube.interrupt);
      if (kube.interrupt?.aborted) throw new InterruptedError('waiting for the previous Job to be deleted');
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  let created: K8sModule.V1Job;
  try {
    created = await kube.call(
      k8s.BatchV1Api,
      jobCtx('create'),
      (api) => api.createNamespacedJob({ namespace: ns, body: asBody(objs.job) }),
      isAlreadyExists,
    );
  } catch (err) {
    // Another run created the Job between our check and now: its objects are not ours to delete.
    if (isAlreadyExists(err)) throw activeRunError(kube, cfg);
    throw err;
  }
  log().info('deployed the snapshot agent', { job: `${ns}/${jobName}`, image: cfg.image });
  return created.metadata?.uid ?? '';
}

/**
 * The snapshot agent's Kubernetes objects, as plain API objects: Namespace, ServiceAccount, Role, RoleBinding,
 * ClusterRole, ClusterRoleBinding and the Job that runs `aicr snapshot --output cm://<ns>/<name>` on a
 * node. The same builders feed the deployer (src/k8s/agent/) and `--print-manifests`, so what an admin
 * reviews is exactly what would be created.
 *
 * Names: the ServiceAccount, Role and RoleBinding are named `--service-account-name` in the agent
 * namespace. The cluster-scoped ClusterRole and ClusterRoleBinding carry the namespace and service
 * account in their name (`aicr-node-reader-<namespace>-<sa>`), so runs in different namespaces never
 * overwrite or delete each other's bindings.
 */
import { createHash } from 'node:crypto';
import { toYaml } from '../io/yaml-emit.js';
import { formatDuration } from '../util/duration.js';
import { TOLERATE_ALL, type Toleration } from './scheduling.js';

export const AGENT_CONTAINER = 'aicr';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const DEFAULT_AGENT_TIMEOUT_MS = 5 * 60_000;

export interface AgentConfig {
  /** Namespace of the Job, ServiceAccount, Role, RoleBinding and the result ConfigMap. */
  namespace: string;
  jobName: string;
  serviceAccountName: string;
  image: string;
  imagePullSecrets: string[];
  nodeSelector: Record<string, string>;
  /** Undefined: tolerate every taint. */
  tolerations?: Toleration[];
  privileged: boolean;
  requireGpu: boolean;
  runtimeClass?: string;
  /** `cm://<namespace>/<name>` the agent writes its snapshot to. */
  output: string;
  /** Agent logs in JSON at debug level. */
  debug: boolean;
  /** Cap on node names per topology entry (0: unlimited). */
  maxNodesPerEntry: number;
  /** How long the CLI waits; the Job's activeDeadlineSeconds is this plus one minute. */
  timeoutMs: number;
}

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
};

export interface AgentObjects {
  /** The agent namespace (created when missing; never deleted by aicr). */
  namespace: KubeObject;
  serviceAccount: KubeObject;
  role: KubeObject;
  roleBinding: KubeObject;
  clusterRole: KubeObject;
  clusterRoleBinding: KubeObject;
  job: KubeObject;
}

/** Labels on every object the agent deployment creates. */
export function agentLabels(cfg: Pick<AgentConfig, 'jobName'>): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'snapshot-agent',
    'app.kubernetes.io/instance': truncateLabel(cfg.jobName),
    'app.kubernetes.io/managed-by': 'aicr',
    'app.kubernetes.io/name': 'aicr',
  };
}

/** Label selector that finds the agent's pods. */
export function agentPodSelector(cfg: Pick<AgentConfig, 'jobName'>): string {
  return `app.kubernetes.io/name=aicr,app.kubernetes.io/instance=${truncateLabel(cfg.jobName)}`;
}

function truncateLabel(v: string): string {
  if (v.length <= 63) return v;
  const h = createHash('sha256').update(v).digest('hex').slice(0, 8);
  return `${v.slice(0, 54).replace(/[-.]+$/, '')}-${h}`;
}

/** Name of the run-specific ClusterRole and ClusterRoleBinding. */
export function clusterRoleName(cfg: Pick<AgentConfig, 'namespace' | 'serviceAccountName'>): string {
  const name = `aicr-node-reader-${cfg.namespace}-${cfg.serviceAccountName}`;
  if (name.length <= 253) return name;
  const h = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `aicr-node-reader-${h}`;
}

/** Rules of the agent's Role: write its result ConfigMap, read pods in its namespace. */
export function roleRules() {
  return [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'update', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  ];
}

/** Rules of the agent's ClusterRole: what the K8s and NodeTopology collectors read. */
export function clusterRoleRules() {
  return [
    { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: ['nvidia.com'], resources: ['clusterpolicies'], verbs: ['get', 'list'] },
  ];
}

/** Arguments of the agent container (`aicr …`). */
export function agentArgs(cfg: Pick<AgentConfig, 'debug' | 'output' | 'requireGpu'>): string[] {
  return [
    ...(cfg.debug ? ['--debug', '--log-json'] : []),
    'snapshot',
    '--output',
    cfg.output,
    ...(cfg.requireGpu ? ['--require-gpu'] : []),
  ];
}

export function buildAgentObjects(cfg: AgentConfig): AgentObjects {
  const labels = agentLabels(cfg);
  const ns = cfg.namespace;
  const sa = cfg.serviceAccountName;
  const crName = clusterRoleName(cfg);
  const subject = { kind: 'ServiceAccount', name: sa, namespace: ns };

  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: { 'app.kubernetes.io/managed-by': 'aicr' } },
  };
  const serviceAccount: KubeObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa, namespace: ns, labels: { ...labels } },
  };
  const role: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: { name: sa, namespace: ns, labels: { ...labels } },
    rules: roleRules(),
  };
  const roleBinding: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name: sa, namespace: ns, labels: { ...labels } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: sa },
    subjects: [subject],
  };
  const clusterRole: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name: crName, labels: { ...labels } },
    rules: clusterRoleRules(),
  };
  const clusterRoleBinding: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: crName, labels: { ...labels } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: crName },
    subjects: [subject],
  };
  return {
    namespace,
    serviceAccount,
    role,
    roleBinding,
    clusterRole,
    clusterRoleBinding,
    job: buildJob(cfg),
  };
}

function buildJob(cfg: AgentConfig): KubeObject {
  const labels = agentLabels(cfg);
  const env: Record<string, unknown>[] = [
    { name: 'AICR_AGENT_MODE', value: 'true' },
    { name: 'AICR_LOG_PREFIX', value: 'agent' },
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
  if (cfg.maxNodesPerEntry > 0) {
    env.push({ name: 'AICR_MAX_NODES_PER_ENTRY', value: String(cfg.maxNodesPerEntry) });
  }
  if (cfg.runtimeClass) env.push({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' });

  const volumes: Record<string, unknown>[] = [{ name: 'tmp', emptyDir: {} }];
  const mounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
  let podSecurity: Record<string, unknown>;
  let containerSecurity: Record<string, unknown>;
  let resources: Record<string, Record<string, string>>;
  const hostNamespaces: Record<string, boolean> = {};

  if (cfg.privileged) {
    hostNamespaces.hostPID = true;
    hostNamespaces.hostNetwork = true;
    hostNamespaces.hostIPC = true;
    podSecurity = { runAsUser: 0, runAsGroup: 0, fsGroup: 0, fsGroupChangePolicy: 'OnRootMismatch' };
    containerSecurity = {
      privileged: true,
      runAsUser: 0,
      runAsGroup: 0,
      allowPrivilegeEscalation: true,
      capabilities: { add: ['SYS_ADMIN', 'SYS_CHROOT'] },
    };
    resources = {
      requests: { cpu: '1', memory: '4Gi', 'ephemeral-storage': '2Gi' },
      limits: {
        cpu: '2',
        memory: '8Gi',
        'ephemeral-storage': '4Gi',
        ...(cfg.requireGpu ? { 'nvidia.com/gpu': '1' } : {}),
      },
    };
    volumes.push(
      { name: 'run-systemd', hostPath: { path: '/run/systemd', type: 'Directory' } },
      { name: 'host-os-release', hostPath: { path: '/etc/os-release', type: 'File' } },
    );
    mounts.push(
      { name: 'run-systemd', mountPath: '/run/systemd', readOnly: true },
      { name: 'host-os-release', mountPath: '/etc/os-release', readOnly: true },
    );
  } else {
    podSecurity = {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    containerSecurity = {
      privileged: false,
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    resources = {
      requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
      limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '512Mi' },
    };
  }

  const podSpec: Record<string, unknown> = {
    serviceAccountName: cfg.serviceAccountName,
    restartPolicy: 'Never',
    ...hostNamespaces,
    ...(cfg.runtimeClass ? { runtimeClassName: cfg.runtimeClass } : {}),
    ...(Object.keys(cfg.nodeSelector).length
      ? { nodeSelector: Object.fromEntries(Object.entries(cfg.nodeSelector).sort(([a], [b]) => cmp(a, b))) }
      : {}),
    tolerations: (cfg.tolerations ?? TOLERATE_ALL).map((t) => ({ ...t })),
    ...(cfg.imagePullSecrets.length
      ? { imagePullSecrets: cfg.imagePullSecrets.map((name) => ({ name })) }
      : {}),
    securityContext: podSecurity,
    containers: [
      {
        name: AGENT_CONTAINER,
        image: cfg.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['aicr'],
        args: agentArgs(cfg),
        env,
        resources,
        securityContext: containerSecurity,
        volumeMounts: mounts,
      },
    ],
    volumes,
  };

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: cfg.jobName, namespace: cfg.namespace, labels: { ...labels } },
    spec: {
      completions: 1,
      parallelism: 1,
      completionMode: 'NonIndexed',
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: Math.ceil((cfg.timeoutMs || DEFAULT_AGENT_TIMEOUT_MS) / 1000) + 60,
      template: {
        metadata: { labels: { ...labels } },
        spec: podSpec,
      },
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The objects in creation order. */
export function orderedObjects(objs: AgentObjects): KubeObject[] {
  return [
    objs.namespace,
    objs.serviceAccount,
    objs.role,
    objs.roleBinding,
    objs.clusterRole,
    objs.clusterRoleBinding,
    objs.job,
  ];
}

/**
 * `--print-manifests`: every object as one multi-document YAML stream, with a header comment that says
 * what it is for. Deterministic for the same flags.
 */
export function renderManifests(cfg: AgentConfig): string {
  const docs = orderedObjects(buildAgentObjects(cfg)).map((o) => toYaml(o));
  const header = [
    '# aicr snapshot agent: Namespace, RBAC and Job.',
    `# Apply with: kubectl apply -f <this file>   (creates namespace "${cfg.namespace}" first when it is missing)`,
    `# The Job writes its snapshot to ${cfg.output}; read it with: aicr recipe --snapshot ${cfg.output}`,
    `# Delete afterwards with: kubectl delete -f <this file> --ignore-not-found`,
    `#   (that also deletes namespace "${cfg.namespace}" and the snapshot in it: skip the first document to keep them)`,
    `# Waiting time assumed for activeDeadlineSeconds: ${formatDuration(cfg.timeoutMs || DEFAULT_AGENT_TIMEOUT_MS)}`,
  ];
  return header.join('\n') + '\n' + docs.map((d) => '---\n' + d).join('');
}

/**
 * The one table of AICRConfig settings: every key of `spec.<command>` and the flag it stands for.
 * The schema (schema.ts), the resolver (src/cli/config.ts), `aicr config view`, `aicr config init` and
 * docs/config.md all follow it, so a new flag is one line here.
 *
 * Field names follow the reference's AICRConfig (`output.path`, `agent.namespace`,
 * `deployment.deployer`, `scheduling.acceleratedNodeSelector`, `execution.failOnError`, …); keys the
 * reference does not have (snapshot `filter`/`exclude`, `kubeconfig`, bundle `execution.concurrency`, …)
 * use the flag's name in camelCase.
 */
import { maxNodesPerEntryFromEnv } from '../util/env.js';

export const CONFIG_COMMANDS = ['snapshot', 'recipe', 'bundle', 'validate'] as const;
export type ConfigCommand = (typeof CONFIG_COMMANDS)[number];

/**
 * How a value is written in the file: `string`; `int` (integer >= `min`, default 0); `bool`; `list` (a
 * list of strings, for a repeatable flag); `map` (a map of strings, for a repeatable `key=value` flag:
 * `{nodeGroup: gpu}` is `--flag nodeGroup=gpu`); `enum` (one of `values`); `criteria` (a criteria value,
 * aliases allowed, checked as the flag checks it).
 */
export type ConfigValueKind = 'string' | 'int' | 'bool' | 'list' | 'map' | 'enum' | 'criteria';

export interface ConfigKey {
  command: ConfigCommand;
  /** Dotted path inside `spec.<command>`. */
  path: string;
  /** Long flag name without dashes (`no-cleanup`: a true value turns the flag on). */
  flag: string;
  kind: ConfigValueKind;
  /** Allowed values of an `enum`. */
  values?: readonly string[];
  /** Smallest `int`. */
  min?: number;
  /** Option attributes that set the same thing (an alias flag such as `--gpu`): a flag there wins too. */
  shadows?: readonly string[];
  /** An environment variable that is not declared on the option (read by the command itself). */
  env?: { name: string; read: () => unknown };
  /** Example value written (commented) by `aicr config init`; default: by kind. */
  example?: string;
  /** Shown in `aicr config init` and docs/config.md. */
  help: string;
}

const FORMATS = ['yaml', 'json', 'table'] as const;

/** Every setting, grouped by command, in the order `aicr config init` writes them. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  // spec.snapshot
  {
    command: 'snapshot',
    path: 'output.path',
    flag: 'output',
    kind: 'string',
    example: 'snapshot.yaml',
    help: 'file, - or cm://namespace/name',
  },
  {
    command: 'snapshot',
    path: 'output.format',
    flag: 'format',
    kind: 'enum',
    values: FORMATS,
    help: 'yaml, json or table',
  },
  {
    command: 'snapshot',
    path: 'kubeconfig',
    flag: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig for the K8s and NodeTopology collectors',
  },
  {
    command: 'snapshot',
    path: 'filter',
    flag: 'filter',
    kind: 'list',
    help: 'collect only these types: k8s, systemd, os, gpu, topology',
  },
  { command: 'snapshot', path: 'exclude', flag: 'exclude', kind: 'list', help: 'skip these collector types' },
  {
    command: 'snapshot',
    path: 'agent.deploy',
    flag: 'deploy-agent',
    kind: 'bool',
    help: 'run the snapshot as a Kubernetes Job (--deploy-agent)',
  },
  {
    command: 'snapshot',
    path: 'agent.namespace',
    flag: 'namespace',
    kind: 'string',
    example: 'gpu-operator',
    help: 'agent namespace (env AICR_NAMESPACE)',
  },
  {
    command: 'snapshot',
    path: 'agent.image',
    flag: 'image',
    kind: 'string',
    help: 'agent image (env AICR_IMAGE)',
  },
  {
    command: 'snapshot',
    path: 'agent.imagePullSecrets',
    flag: 'image-pull-secret',
    kind: 'list',
    help: 'image pull secrets',
  },
  { command: 'snapshot', path: 'agent.jobName', flag: 'job-name', kind: 'string', help: 'agent Job name' },
  {
    command: 'snapshot',
    path: 'agent.serviceAccountName',
    flag: 'service-account-name',
    kind: 'string',
    help: 'agent ServiceAccount name',
  },
  {
    command: 'snapshot',
    path: 'agent.nodeSelector',
    flag: 'node-selector',
    kind: 'map',
    help: 'agent node selector, e.g. {nodeGroup: gpu-worker}',
  },
  {
    command: 'snapshot',
    path: 'agent.tolerations',
    flag: 'toleration',
    kind: 'list',
    help: 'agent tolerations, key=value:Effect',
  },
  {
    command: 'snapshot',
    path: 'agent.requireGpu',
    flag: 'require-gpu',
    kind: 'bool',
    help: 'fail without a GPU (env AICR_REQUIRE_GPU)',
  },
  {
    command: 'snapshot',
    path: 'agent.runtimeClassName',
    flag: 'runtime-class',
    kind: 'string',
    help: 'agent runtimeClassName (env AICR_RUNTIME_CLASS)',
  },
  {
    command: 'snapshot',
    path: 'execution.timeout',
    flag: 'timeout',
    kind: 'string',
    example: '5m',
    help: 'limit for the collection or the agent Job, e.g. 5m',
  },
  {
    command: 'snapshot',
    path: 'execution.noCleanup',
    flag: 'no-cleanup',
    kind: 'bool',
    help: 'keep the agent Job and RBAC objects',
  },
  {
    command: 'snapshot',
    path: 'execution.privileged',
    flag: 'privileged',
    kind: 'bool',
    example: 'true',
    help: 'privileged agent; false for restricted clusters',
  },
  {
    command: 'snapshot',
    path: 'execution.maxNodesPerEntry',
    flag: 'max-nodes-per-entry',
    kind: 'int',
    env: { name: 'AICR_MAX_NODES_PER_ENTRY', read: () => maxNodesPerEntryFromEnv() },
    help: 'node names per topology entry, 0 = all (env AICR_MAX_NODES_PER_ENTRY)',
  },
  {
    command: 'snapshot',
    path: 'fleet.workers',
    flag: 'workers',
    kind: 'int',
    min: 1,
    help: 'fleet mode: agent pods at once',
  },
  {
    command: 'snapshot',
    path: 'fleet.allGpuNodes',
    flag: 'all-gpu-nodes',
    kind: 'bool',
    help: 'fleet mode: every GPU node',
  },
  {
    command: 'snapshot',
    path: 'fleet.nodesFile',
    flag: 'nodes',
    kind: 'string',
    help: 'fleet mode: file naming the nodes',
  },
  // spec.recipe
  {
    command: 'recipe',
    path: 'criteria.service',
    flag: 'service',
    kind: 'criteria',
    help: 'eks, gke, aks, oke, kind, any',
  },
  {
    command: 'recipe',
    path: 'criteria.accelerator',
    flag: 'accelerator',
    kind: 'criteria',
    shadows: ['gpu'],
    help: 'h100, gb200, b200, a100, l40, any',
  },
  {
    command: 'recipe',
    path: 'criteria.intent',
    flag: 'intent',
    kind: 'criteria',
    help: 'training, inference, any',
  },
  {
    command: 'recipe',
    path: 'criteria.os',
    flag: 'os',
    kind: 'criteria',
    help: 'ubuntu, rhel, cos, amazonlinux, any',
  },
  {
    command: 'recipe',
    path: 'criteria.platform',
    flag: 'platform',
    kind: 'criteria',
    help: 'kubeflow, dynamo, any',
  },
  { command: 'recipe', path: 'criteria.nodes', flag: 'nodes', kind: 'int', help: 'GPU node count, 0 = any' },
  {
    command: 'recipe',
    path: 'input.snapshot',
    flag: 'snapshot',
    kind: 'string',
    example: 'snapshot.yaml',
    help: 'derive criteria from this snapshot',
  },
  {
    command: 'recipe',
    path: 'input.criteria',
    flag: 'criteria',
    kind: 'string',
    help: 'criteria file (kind RecipeCriteria)',
  },
  {
    command: 'recipe',
    path: 'output.path',
    flag: 'output',
    kind: 'string',
    example: 'recipe.yaml',
    help: 'file, - or cm://namespace/name',
  },
  {
    command: 'recipe',
    path: 'output.format',
    flag: 'format',
    kind: 'enum',
    values: FORMATS,
    help: 'yaml, json or table',
  },
  { command: 'recipe', path: 'data', flag: 'data', kind: 'string', help: 'external catalog directory' },
  {
    command: 'recipe',
    path: 'kubeconfig',
    flag: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig for cm:// locations',
  },
  // spec.bundle
  {
    command: 'bundle',
    path: 'input.recipe',
    flag: 'recipe',
    kind: 'string',
    example: 'recipe.yaml',
    help: 'recipe: file, -, URL or cm://namespace/name',
  },
  {
    command: 'bundle',
    path: 'output.target',
    flag: 'output',
    kind: 'string',
    example: './bundle',
    help: 'output directory',
  },
  {
    command: 'bundle',
    path: 'output.force',
    flag: 'force',
    kind: 'bool',
    help: 'replace a directory that is not an aicr bundle',
  },
  {
    command: 'bundle',
    path: 'deployment.deployer',
    flag: 'deployer',
    kind: 'enum',
    values: ['helm', 'argocd'],
    help: 'helm or argocd',
  },
  {
    command: 'bundle',
    path: 'deployment.repo',
    flag: 'repo',
    kind: 'string',
    help: 'Git repository for Argo CD',
  },
  {
    command: 'bundle',
    path: 'deployment.set',
    flag: 'set',
    kind: 'list',
    example: '["gpuoperator:driver.version=580.82.07"]',
    help: 'value overrides, component:path=value',
  },
  {
    command: 'bundle',
    path: 'deployment.vendorCharts',
    flag: 'vendor-charts',
    kind: 'bool',
    help: 'vendor the Helm charts into the bundle',
  },
  {
    command: 'bundle',
    path: 'scheduling.systemNodeSelector',
    flag: 'system-node-selector',
    kind: 'map',
    help: 'node selector for system components',
  },
  {
    command: 'bundle',
    path: 'scheduling.systemNodeTolerations',
    flag: 'system-node-toleration',
    kind: 'list',
    help: 'tolerations for system components',
  },
  {
    command: 'bundle',
    path: 'scheduling.acceleratedNodeSelector',
    flag: 'accelerated-node-selector',
    kind: 'map',
    example: '{nodeGroup: gpu-worker}',
    help: 'node selector for GPU node components',
  },
  {
    command: 'bundle',
    path: 'scheduling.acceleratedNodeTolerations',
    flag: 'accelerated-node-toleration',
    kind: 'list',
    example: '["nvidia.com/gpu=present:NoSchedule"]',
    help: 'tolerations for GPU node components',
  },
  {
    command: 'bundle',
    path: 'scheduling.workloadGate',
    flag: 'workload-gate',
    kind: 'string',
    help: 'Nodewright taint, key=value:Effect',
  },
  {
    command: 'bundle',
    path: 'scheduling.workloadSelector',
    flag: 'workload-selector',
    kind: 'map',
    help: 'labels of workloads Nodewright must not interrupt',
  },
  {
    command: 'bundle',
    path: 'scheduling.nodes',
    flag: 'nodes',
    kind: 'int',
    help: 'estimated GPU node count',
  },
  {
    command: 'bundle',
    path: 'execution.failFast',
    flag: 'fail-fast',
    kind: 'bool',
    help: 'stop at the first failing component',
  },
  {
    command: 'bundle',
    path: 'execution.concurrency',
    flag: 'concurrency',
    kind: 'int',
    help: 'components at once, 0 = all',
  },
  { command: 'bundle', path: 'data', flag: 'data', kind: 'string', help: 'external catalog directory' },
  {
    command: 'bundle',
    path: 'kubeconfig',
    flag: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig for cm:// locations',
  },
  // spec.validate
  {
    command: 'validate',
    path: 'input.recipe',
    flag: 'recipe',
    kind: 'string',
    example: 'recipe.yaml',
    help: 'recipe: file, -, URL or cm://namespace/name',
  },
  {
    command: 'validate',
    path: 'input.snapshot',
    flag: 'snapshot',
    kind: 'string',
    example: 'snapshot.yaml',
    help: 'snapshot: file, -, URL or cm://namespace/name',
  },
  {
    command: 'validate',
    path: 'output.path',
    flag: 'output',
    kind: 'string',
    help: 'file, - or cm://namespace/name',
  },
  {
    command: 'validate',
    path: 'output.format',
    flag: 'format',
    kind: 'enum',
    values: FORMATS,
    help: 'yaml, json or table',
  },
  {
    command: 'validate',
    path: 'execution.phases',
    flag: 'phase',
    kind: 'list',
    example: '[readiness, deployment]',
    help: 'readiness, deployment',
  },
  {
    command: 'validate',
    path: 'execution.failOnError',
    flag: 'fail-on-error',
    kind: 'bool',
    example: 'true',
    help: 'exit 9 when a constraint fails',
  },
  {
    command: 'validate',
    path: 'kubeconfig',
    flag: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig for cm:// locations',
  },
];

/** The keys of one command's section. */
export const keysOf = (command: ConfigCommand): ConfigKey[] =>
  CONFIG_KEYS.filter((k) => k.command === command);

export const CONFIG_KIND = 'AICRConfig';
export const CONFIG_API_VERSION = 'aicr.run/v1beta1';
/** Accepted on input: the current version and the reference's earlier one (same shape). */
export const CONFIG_API_VERSIONS = [CONFIG_API_VERSION, 'aicr.run/v1alpha2'] as const;

/** A nested map of keys: a leaf is a table row, an inner node the keys below it. */
export interface KeyTree {
  [key: string]: KeyTree | ConfigKey;
}
export const isLeaf = (n: KeyTree | ConfigKey): n is ConfigKey => typeof (n as ConfigKey).flag === 'string';

/** The keys below `spec`, as a tree: `tree.bundle.deployment.set` is the row of `--set`. */
export function keyTree(): KeyTree {
  const root: KeyTree = {};
  for (const c of CONFIG_COMMANDS) root[c] = {};
  for (const k of CONFIG_KEYS) {
    const parts = k.path.split('.');
    let node = root[k.command] as KeyTree;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as KeyTree;
    node[parts[parts.length - 1]] = k;
  }
  return root;
}

/** A checked AICRConfig document. */
export type AicrConfig = {
  kind: typeof CONFIG_KIND;
  apiVersion: string;
  metadata?: { name?: string } | null;
  spec: Partial<Record<ConfigCommand, Record<string, unknown> | null>>;
};

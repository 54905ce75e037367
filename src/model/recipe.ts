/**
 * Recipe data model: overlays (RecipeMetadata), component references, constraints, validation
 * phases, the component registry and the RecipeResult document that `aicr recipe` emits.
 */
export interface Constraint {
  name: string;
  value: string;
  severity?: string;
  remediation?: string;
  unit?: string;
}

export interface ExpectedResource {
  kind: string;
  name: string;
  namespace?: string;
}

export interface ComponentRef {
  name: string;
  namespace?: string;
  chart?: string;
  type?: string;
  source?: string;
  version?: string;
  tag?: string;
  valuesFile?: string;
  overrides?: Record<string, unknown>;
  patches?: string[];
  dependencyRefs?: string[];
  manifestFiles?: string[];
  path?: string;
  cleanup?: boolean;
  expectedResources?: ExpectedResource[];
  healthCheckAsserts?: string;
}

export interface NodeSelection {
  selector?: Record<string, string>;
  maxNodes?: number;
  excludeNodes?: string[];
}

export interface ValidationPhase {
  timeout?: string;
  constraints?: Constraint[];
  checks?: string[];
  nodeSelection?: NodeSelection;
  infrastructure?: string;
}

export const VALIDATION_PHASES = ['readiness', 'deployment', 'performance', 'conformance'] as const;
export type Validation = Partial<Record<(typeof VALIDATION_PHASES)[number], ValidationPhase>>;

export interface OverlayCriteria {
  service?: string;
  accelerator?: string;
  intent?: string;
  os?: string;
  platform?: string;
  nodes?: number;
}

export interface RecipeSpec {
  base?: string;
  criteria?: OverlayCriteria;
  constraints?: Constraint[];
  componentRefs?: ComponentRef[];
  validation?: Validation;
}

/** An overlay or the base (`kind: RecipeMetadata`). */
export interface RecipeMetadata {
  kind?: string;
  apiVersion?: string;
  metadata: { name: string };
  spec: RecipeSpec;
}

export interface ConstraintWarning {
  overlay: string;
  constraint: string;
  expected: string;
  actual?: string;
  reason: string;
}

export interface Criteria {
  service: string;
  accelerator: string;
  intent: string;
  os: string;
  platform: string;
  nodes: number;
}

/** The document `aicr recipe` writes (field order as emitted). */
export interface RecipeResult {
  kind: 'RecipeResult';
  apiVersion: string;
  metadata: {
    version?: string;
    appliedOverlays?: string[];
    excludedOverlays?: string[];
    constraintWarnings?: ConstraintWarning[];
  };
  criteria: Criteria;
  constraints?: Constraint[];
  componentRefs?: ComponentRef[];
  deploymentOrder?: string[];
  validation?: Validation;
}

export interface SchedulingPaths {
  nodeSelectorPaths?: string[];
  tolerationPaths?: string[];
  taintPaths?: string[];
  taintStrPaths?: string[];
}

export interface RegistryValidation {
  function: string;
  severity?: string;
  conditions?: Record<string, string[]>;
  message?: string;
}

/** Facts of the generated deploy/undeploy scripts (registry `deploy:`; see recipes/registry.yaml). */
export interface RegistryDeploy {
  /** Installed without `helm --wait`: becomes ready only once later components exist. */
  async?: boolean;
  /** Restart the chart's kubelet-plugin DaemonSets after installing it. */
  restartKubeletPlugins?: boolean;
  /** CRD API groups that outlive the chart: checked before deploy, deleted by undeploy. */
  orphanCrdGroups?: string[];
  /** Namespaces the chart creates besides its own, deleted by undeploy. */
  extraNamespaces?: string[];
}

export interface RegistryComponent {
  name: string;
  displayName?: string;
  valueOverrideKeys?: string[];
  helm?: {
    defaultRepository?: string;
    defaultChart?: string;
    defaultVersion?: string;
    defaultNamespace?: string;
  };
  kustomize?: { defaultSource?: string; defaultPath?: string; defaultTag?: string };
  nodeScheduling?: { system?: SchedulingPaths; accelerated?: SchedulingPaths; nodeCountPaths?: string[] };
  podScheduling?: { workload?: { workloadSelectorPaths?: string[] } };
  validations?: RegistryValidation[];
  healthCheck?: { assertFile?: string };
  deploy?: RegistryDeploy;
  [extra: string]: unknown;
}

export interface ComponentRegistry {
  apiVersion?: string;
  kind?: string;
  components: RegistryComponent[];
}

/**
 * Recipe data model: overlays (RecipeMetadata), component references, constraints, validation
 * phases, the component registry and the RecipeResult document that `aicr recipe` emits.
 * Types of input documents are derived from their schemas (src/model/schema.ts): one definition each.
 */
import type { CRITERIA_FIELDS } from './fields.js';
import type { ComponentRef, Constraint, ValidationPhase } from './schema.js';

export type {
  ComponentRegistry,
  ComponentRef,
  Constraint,
  ExpectedResource,
  NodeSelection,
  RegistryComponent,
  RegistryDeploy,
  RegistryValidation,
  SchedulingPaths,
  ValidationPhase,
} from './schema.js';

export const VALIDATION_PHASES = ['readiness', 'deployment', 'performance', 'conformance'] as const;
export type Validation = Partial<Record<(typeof VALIDATION_PHASES)[number], ValidationPhase>>;

/** Criteria as an overlay, a request or a criteria file gives them: any field may be missing. */
export type OverlayCriteria = Partial<Criteria>;

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

/** Resolved criteria of a recipe: every field of CRITERIA_FIELDS (src/model/fields.ts) and nodes. */
export type Criteria = { [F in (typeof CRITERIA_FIELDS)[number]]: string } & { nodes: number };

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

/**
 * Checking a whole recipe's constraints against a snapshot, producing the `ValidationResult` document.
 *
 * Phases evaluable from a snapshot:
 *  - readiness: the recipe's top-level `constraints` (snapshot paths `{Type}.{Subtype}.{Key}`);
 *  - deployment: `validation.deployment.constraints` named `Deployment.<component>.version`, checked
 *    against the snapshot's Helm release data (`K8s.helm`, keys `<release>.version`).
 */
import { AicrError } from '../errors/index.js';
import { textOf } from '../io/document.js';
import { API_VERSION, type Snapshot } from '../model/snapshot.js';
import {
  evaluateConstraint,
  evaluateDeploymentConstraint,
  plainMessage,
  type ConstraintInput,
  type ConstraintResult,
} from './evaluate.js';
import { parseConstraintExpression } from './expression.js';
import { parseConstraintPath } from './path.js';
import type {
  ValidationEntry,
  ValidationResult,
  ValidationStatus,
  ValidationSummary,
} from '../model/validation-result.js';

export type SnapshotPhase = 'readiness' | 'deployment';
export const SNAPSHOT_PHASES: readonly SnapshotPhase[] = ['readiness', 'deployment'];

/** The recipe fields read here; anything else in the document is ignored. */
export interface RecipeConstraintsSource {
  constraints?: unknown;
  validation?: unknown;
}

export interface RecipeConstraints {
  readiness: ConstraintInput[];
  deployment: ConstraintInput[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(where: string, message: string, cause?: unknown): AicrError {
  return new AicrError('INVALID_REQUEST', `malformed recipe constraint ${where}: ${message}`, cause);
}

/**
 * Scalar constraint values keep their source text (`value: 22.10` is "22.10", not "22.1"); anything
 * else is malformed.
 */
function valueText(item: Record<string, unknown>): string | undefined {
  const v = item.value;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') {
    return textOf(item, 'value');
  }
  return undefined;
}

function readList(list: unknown, field: string, snapshotPaths: boolean): ConstraintInput[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw malformed(field, `must be a list of {name, value}, got ${typeof list}`);
  return list.map((item, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(item)) throw malformed(at, 'must be a mapping with name and value');
    const name = typeof item.name === 'string' ? item.name.trim() : '';
    if (name === '') throw malformed(at, 'name is missing or empty');
    const where = `${JSON.stringify(name)} (${at})`;
    const value = valueText(item);
    if (value === undefined) throw malformed(where, 'value is missing or not a scalar');
    try {
      parseConstraintExpression(value);
      if (snapshotPaths) parseConstraintPath(name);
    } catch (err) {
      throw malformed(where, plainMessage(err));
    }
    return { name, value };
  });
}

/**
 * Extracts and checks the constraints validate evaluates. Throws AicrError INVALID_REQUEST naming the first
 * malformed constraint (not a mapping, missing name or value, empty expression or operand, a top-level name
 * that is not `{Type}.{Subtype}.{Key}` with a known type) before anything is evaluated. Other phases'
 * constraint lists are checked for shape only.
 */
export function recipeConstraints(recipe: RecipeConstraintsSource): RecipeConstraints {
  if (!isRecord(recipe)) throw new AicrError('INVALID_REQUEST', 'recipe must be a mapping');
  const readiness = readList(recipe.constraints, 'constraints', true);
  let deployment: ConstraintInput[] = [];
  const validation = recipe.validation;
  if (validation !== undefined && validation !== null) {
    if (!isRecord(validation)) throw new AicrError('INVALID_REQUEST', 'recipe validation must be a mapping');
    for (const phase of Object.keys(validation).sort()) {
      const section = validation[phase];
      if (section === undefined || section === null) continue;
      if (!isRecord(section))
        throw new AicrError('INVALID_REQUEST', `recipe validation.${phase} must be a mapping`);
      const list = readList(section.constraints, `validation.${phase}.constraints`, false);
      if (phase === 'deployment') deployment = list;
    }
  }
  return { readiness, deployment };
}

// The document's types come from its schema (src/model/validation-result.ts): one definition.
export type {
  ValidationEntry,
  ValidationResult,
  ValidationStatus,
  ValidationSummary,
} from '../model/validation-result.js';

/** Counts per status. */
export function summarize(entries: readonly Pick<ConstraintResult, 'status'>[]): ValidationSummary {
  const s: ValidationSummary = { passed: 0, failed: 0, skipped: 0, errors: 0, total: entries.length };
  for (const e of entries) {
    if (e.status === 'pass') s.passed++;
    else if (e.status === 'fail') s.failed++;
    else if (e.status === 'skipped') s.skipped++;
    else s.errors++;
  }
  return s;
}

/** `fail` when any constraint failed or errored; else `partial` when any was skipped; else `pass`. */
export function overallStatus(s: ValidationSummary): ValidationStatus {
  if (s.failed > 0 || s.errors > 0) return 'fail';
  if (s.skipped > 0) return 'partial';
  return 'pass';
}

export interface ValidateOptions {
  /** Phases to evaluate, in this order; default both. */
  phases?: readonly SnapshotPhase[];
  /** Extra metadata for the document (e.g. the recipe and snapshot sources). */
  metadata?: Record<string, unknown>;
}

/**
 * Evaluates the recipe's constraints against the snapshot and builds the result document.
 * Throws AicrError INVALID_REQUEST for malformed constraints (see recipeConstraints); never for
 * individual evaluation problems, which become `skipped` or `error` entries.
 */
export function validateRecipe(
  recipe: RecipeConstraintsSource,
  snapshot: Snapshot,
  opts: ValidateOptions = {},
): ValidationResult {
  const lists = recipeConstraints(recipe);
  const phases = opts.phases ?? SNAPSHOT_PHASES;
  const results: ValidationEntry[] = [];
  for (const phase of SNAPSHOT_PHASES) {
    if (!phases.includes(phase)) continue;
    for (const c of lists[phase]) {
      const r =
        phase === 'readiness' ? evaluateConstraint(c, snapshot) : evaluateDeploymentConstraint(c, snapshot);
      const { name, ...rest } = r;
      results.push({ name, phase, ...rest });
    }
  }
  const summary = summarize(results);
  return {
    kind: 'ValidationResult',
    apiVersion: API_VERSION,
    metadata: { ...(opts.metadata ?? {}), phases: SNAPSHOT_PHASES.filter((p) => phases.includes(p)) },
    status: overallStatus(summary),
    summary,
    results,
  };
}

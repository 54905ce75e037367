/**
 * Evaluating one recipe constraint against a snapshot.
 *
 * Outcomes:
 *  - pass / fail: the snapshot has the value and the expression is true / false;
 *  - skipped: the snapshot lacks the measurement type, subtype or key (the reason names which);
 *  - error: the constraint cannot be evaluated (bad expression, bad path, or an ordering comparison
 *    where a side is not a version).
 */
import { AicrError, formatError } from '../errors/index.js';
import { findSubtype, type Snapshot } from '../model/snapshot.js';
import { evaluateExpression, parseConstraintExpression } from './expression.js';
import { AmbiguousPathError, parseConstraintPath, readingToText, resolveReading } from './path.js';

/** The part of a recipe constraint that evaluation uses (`severity`, `remediation`, `unit` are ignored). */
export interface ConstraintInput {
  name: string;
  value: string;
}

export type ConstraintStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface ConstraintResult {
  name: string;
  /** The constraint's expression as written in the recipe (trimmed), e.g. `>= 1.32.4` or `24.04`. */
  expected: string;
  /** The snapshot value compared against; absent when none was found. */
  actual?: string;
  status: ConstraintStatus;
  /** Human-readable outcome, e.g. `expected 24.04, got 22.04` or why it was skipped. */
  message: string;
}

/** Messages of an error chain joined with `: `, without the `[CODE]` tags. */
export function plainMessage(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 20; depth++) {
    parts.push(cur instanceof Error ? cur.message : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': ');
}

/** A result together with the error behind a skipped/error outcome (for callers that format it themselves). */
interface Detailed {
  result: ConstraintResult;
  error?: unknown;
}

function compare(c: ConstraintInput, actual: string): Detailed {
  const expected = c.value.trim();
  let ok: boolean;
  try {
    ok = evaluateExpression(parseConstraintExpression(c.value), actual);
  } catch (err) {
    return {
      result: { name: c.name, expected, actual, status: 'error', message: plainMessage(err) },
      error: err,
    };
  }
  const message = ok ? `${actual} satisfies ${expected}` : `expected ${expected}, got ${actual}`;
  return { result: { name: c.name, expected, actual, status: ok ? 'pass' : 'fail', message } };
}

function evaluateDetailed(c: ConstraintInput, snapshot: Snapshot): Detailed {
  const expected = c.value.trim();
  let actual: string;
  try {
    parseConstraintExpression(c.value);
    actual = resolveReading(snapshot, parseConstraintPath(c.name));
  } catch (err) {
    // An ambiguous path stops the command: no verdict can be given for it (exit 2).
    if (err instanceof AmbiguousPathError) throw err;
    const status = err instanceof AicrError && err.code === 'NOT_FOUND' ? 'skipped' : 'error';
    return { result: { name: c.name, expected, status, message: plainMessage(err) }, error: err };
  }
  return compare(c, actual);
}

/**
 * Evaluates a snapshot-path constraint (`{Type}.{Subtype}.{Key}`, e.g. `OS.release.VERSION_ID`).
 * Problems become `skipped` (value missing from the snapshot) or `error` entries; only a path that is
 * ambiguous in this snapshot throws (AmbiguousPathError, exit 2).
 */
export function evaluateConstraint(constraint: ConstraintInput, snapshot: Snapshot): ConstraintResult {
  return evaluateDetailed(constraint, snapshot).result;
}

/** Outcome of one overlay constraint in recipe snapshot mode (docs/recipe.md). */
export interface OverlayConstraintCheck {
  /** True only for a clean pass; fail, missing value and errors all exclude the overlay. */
  passed: boolean;
  status: ConstraintStatus;
  /** The constraint value as written (trimmed), for `constraintWarnings[].expected`. */
  expected: string;
  /** The snapshot value, when one was found (for `constraintWarnings[].actual`). */
  actual?: string;
  /**
   * Why it did not pass (for `constraintWarnings[].reason`); "" when it passed. `expected <value>, got <actual>`
   * on a clean failure, otherwise the error text with codes, e.g.
   * `[NOT_FOUND] value not found in snapshot: [NOT_FOUND] key "ID" not found in subtype OS.release`.
   */
  reason: string;
}

/**
 * Evaluates an overlay's constraint for snapshot-mode overlay filtering. Unlike validate, a value
 * missing from the snapshot is not neutral here: `passed` is false and `reason` says what was missing.
 * Fits the recipe builder's `ConstraintEvaluator` (`(c, snapshot) => { passed, actual?, reason }`).
 */
export function checkOverlayConstraint(
  constraint: ConstraintInput,
  snapshot: Snapshot,
): OverlayConstraintCheck {
  const { result, error } = evaluateDetailed(constraint, snapshot);
  let reason = '';
  if (result.status === 'fail') reason = result.message;
  else if (result.status !== 'pass') reason = formatError(error);
  const out: OverlayConstraintCheck = {
    passed: result.status === 'pass',
    status: result.status,
    expected: result.expected,
    reason,
  };
  if (result.actual !== undefined) out.actual = result.actual;
  return out;
}

/** `Deployment.<component>.version`: the constraint form checkable against a snapshot's Helm release data. */
const DEPLOYMENT_VERSION = /^Deployment\.(.+)\.version$/;

/** The component named by `Deployment.<component>.version`, or undefined for other names. */
export function deploymentComponent(name: string): string | undefined {
  return DEPLOYMENT_VERSION.exec(name)?.[1];
}

/**
 * Evaluates a `validation.deployment.constraints` entry named `Deployment.<component>.version` against the
 * snapshot's Helm release data: measurement `K8s`, subtype `helm`, key `<component>.version` (the release's
 * chart version as recorded, e.g. `v25.10.1`). Skipped when the snapshot has no Helm data or no release for
 * the component, and for other names (those need the in-cluster deployment validators). Never throws.
 */
export function evaluateDeploymentConstraint(
  constraint: ConstraintInput,
  snapshot: Snapshot,
): ConstraintResult {
  const expected = constraint.value.trim();
  const skipped = (message: string): ConstraintResult => ({
    name: constraint.name,
    expected,
    status: 'skipped',
    message,
  });
  try {
    parseConstraintExpression(constraint.value);
  } catch (err) {
    return { name: constraint.name, expected, status: 'error', message: plainMessage(err) };
  }
  const component = deploymentComponent(constraint.name);
  if (component === undefined) {
    return skipped(
      `only Deployment.<component>.version constraints can be checked against a snapshot; ` +
        `${constraint.name} needs the in-cluster deployment validator`,
    );
  }
  const helm = findSubtype(
    { measurements: Array.isArray(snapshot?.measurements) ? snapshot.measurements : [] },
    'K8s',
    'helm',
  );
  if (!helm) return skipped('value not found in snapshot: snapshot has no Helm release data (K8s.helm)');
  const key = `${component}.version`;
  const data = helm.data ?? {};
  if (!Object.prototype.hasOwnProperty.call(data, key)) {
    return skipped(
      `value not found in snapshot: no Helm release version for component ${JSON.stringify(component)} (K8s.helm.${key})`,
    );
  }
  return compare(constraint, readingToText(data[key])).result;
}

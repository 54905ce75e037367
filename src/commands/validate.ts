/**
 * `aicr validate` end to end, without the flag parsing: load and check the recipe and snapshot,
 * evaluate the constraints, write the ValidationResult, and decide whether the run failed.
 */
import { AicrError, invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { loadSnapshot, toRecipe } from '../model/load.js';
import { readDocument } from '../io/reader.js';
import { serialize, type Format } from '../io/serialize.js';
import { displayLocation } from '../io/uri.js';
import { writeOutput, type NamedInput } from '../io/writer.js';
import { buildInfo } from '../version/buildinfo.js';
import { escapeControl } from '../util/escape.js';
import {
  recipeConstraints,
  validateRecipe,
  type SnapshotPhase,
  type ValidationResult,
} from '../constraint/recipe.js';
import { renderValidationTable } from '../constraint/table.js';
import { setAttrs } from '../telemetry/trace.js';

export interface ValidateRequest {
  recipe: string;
  snapshot: string;
  phases: readonly SnapshotPhase[];
  format: Format;
  output?: string;
  kubeconfig?: string;
  failOnError: boolean;
  /** Inputs an output file must not be (see checkNotAnInput). */
  inputs?: readonly NamedInput[];
  /** `--policy` files and folders (OPA, Rego v1); their messages fail the run like failed constraints. */
  policies?: readonly string[];
  /** `--opa`: the opa binary (else AICR_OPA, else opa on PATH). */
  opa?: string;
}

const describe = (location: string, what: string) =>
  location === '-' ? `${what} from stdin` : `${what} ${location}`;

/** Renders the document in the requested format: YAML, JSON, or the readable table. */
export function renderValidationResult(doc: ValidationResult, format: Format): string {
  return format === 'table' ? renderValidationTable(doc) : serialize(doc, format);
}

/**
 * Runs the validation and writes the result. Input problems throw before anything is written
 * (not found 3, bad document 2, unreachable 6, timeout 5). When a constraint failed or errored and
 * `failOnError` is set, throws VALIDATION_FAILED (exit 9) after the result was written.
 */
export async function runValidate(req: ValidateRequest): Promise<ValidationResult> {
  if (req.recipe === '-' && req.snapshot === '-') {
    throw invalid(
      '--recipe and --snapshot cannot both read stdin ("-"); give one of them as a file, URL or cm://',
    );
  }
  const source = describe(req.recipe, 'recipe');
  const { doc: recipeDoc } = await readDocument(req.recipe, {
    what: 'recipe',
    kinds: ['recipe'],
    kubeconfig: req.kubeconfig,
  });
  // Constraints first, so a malformed one is reported by name; then the whole document's schema.
  if (typeof recipeDoc === 'object' && recipeDoc !== null && !Array.isArray(recipeDoc)) {
    const d = recipeDoc as Record<string, unknown>;
    if (d.kind === 'Snapshot' || (d.kind === undefined && 'measurements' in d)) {
      throw invalid(
        `${source} is a snapshot, not a recipe; pass it with --snapshot and a recipe with --recipe`,
      );
    }
    try {
      recipeConstraints(recipeDoc);
    } catch (err) {
      throw new AicrError('INVALID_REQUEST', `${source}: ${(err as Error).message}`);
    }
  }
  const recipe = await toRecipe(recipeDoc, source);
  const snapshot = await loadSnapshot(req.snapshot, { kubeconfig: req.kubeconfig });

  const doc: ValidationResult = validateRecipe(recipe, snapshot, {
    phases: req.phases,
    metadata: {
      version: buildInfo.version,
      recipe: req.recipe === '-' ? 'stdin' : displayLocation(req.recipe),
      snapshot: req.snapshot === '-' ? 'stdin' : displayLocation(req.snapshot),
    },
  });
  if (req.policies && req.policies.length > 0) {
    const { evaluatePolicies } = await import('../policy/opa.js');
    const { opaFromEnv } = await import('../util/env.js');
    const policy = await evaluatePolicies({
      policies: req.policies,
      opa: req.opa ?? opaFromEnv(),
      input: { recipe, snapshot, validation: structuredClone(doc) },
    });
    doc.policy = policy;
    if (policy.status === 'fail') doc.status = 'fail';
    for (const p of policy.policies) {
      for (const m of p.messages)
        log().debug('policy message', { package: p.package, rule: m.rule, msg: m.msg });
    }
  }
  if (doc.summary.total === 0 && !doc.policy) {
    log().warn('recipe has no constraints to check for the selected phases', { phases: doc.metadata.phases });
  }
  for (const r of doc.results) {
    if (r.status === 'skipped') log().debug('constraint skipped', { name: r.name, reason: r.message });
  }

  await writeOutput(req.output, renderValidationResult(doc, req.format), {
    kind: 'validation',
    format: req.format,
    kubeconfig: req.kubeconfig,
    inputs: req.inputs,
  });
  const s = doc.summary;
  setAttrs({
    'aicr.status': doc.status,
    'aicr.passed': s.passed,
    'aicr.failed': s.failed,
    'aicr.skipped': s.skipped,
  });
  log().info('validation completed', {
    status: doc.status,
    passed: s.passed,
    failed: s.failed,
    skipped: s.skipped,
    errors: s.errors,
    output: req.output || 'stdout',
  });

  if (doc.status === 'fail') {
    const bad = doc.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.name);
    const parts: string[] = [];
    if (bad.length > 0)
      parts.push(`${s.failed + s.errors} of ${s.total} constraints did not pass: ${bad.join(', ')}`);
    const denied = (doc.policy?.policies ?? []).filter((p) => p.status === 'fail');
    if (denied.length > 0) {
      const n = denied.reduce((a, p) => a + p.messages.length, 0);
      parts.push(
        `${n} policy message${n === 1 ? '' : 's'} from ${denied.map((p) => p.package).join(', ')}: ` +
          denied.flatMap((p) => p.messages.map((m) => escapeControl(m.msg))).join('; '),
      );
    }
    const text = parts.join('; ');
    if (req.failOnError) throw new AicrError('VALIDATION_FAILED', `validation failed: ${text}`);
    log().warn(`validation failed (ignored: --fail-on-error=false): ${text}`);
  }
  return doc;
}

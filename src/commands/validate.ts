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
  const recipe = toRecipe(recipeDoc, source);
  const snapshot = await loadSnapshot(req.snapshot, { kubeconfig: req.kubeconfig });

  const doc = validateRecipe(recipe, snapshot, {
    phases: req.phases,
    metadata: {
      version: buildInfo.version,
      recipe: req.recipe === '-' ? 'stdin' : displayLocation(req.recipe),
      snapshot: req.snapshot === '-' ? 'stdin' : displayLocation(req.snapshot),
    },
  });
  if (doc.summary.total === 0) {
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
    const text = `${s.failed + s.errors} of ${s.total} constraints did not pass: ${bad.join(', ')}`;
    if (req.failOnError) throw new AicrError('VALIDATION_FAILED', `validation failed: ${text}`);
    log().warn(`validation failed (ignored: --fail-on-error=false): ${text}`);
  }
  return doc;
}

/**
 * From command-line input to a recipe: criteria from flags, a criteria file (`--criteria`) or a
 * snapshot (`--snapshot`, with constraint-based overlay exclusion), flags overriding file/snapshot
 * values, then the build against the (optionally layered) catalog.
 */
import { AicrError, invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import type { Criteria, OverlayCriteria, RecipeResult } from '../model/recipe.js';
import type { Snapshot } from '../model/snapshot.js';
import { buildInfo } from '../version/buildinfo.js';
import { buildRecipe, type ConstraintEvaluator } from '../recipe/builder.js';
import { anyCriteria, CRITERIA_FIELDS, parseCriteriaValue, specificity } from '../model/criteria.js';
import { openStore, type RecipeStore } from '../recipe/store.js';
import type { Format } from '../io/serialize.js';
import { writeDocument, type NamedInput } from '../io/writer.js';
import { setAttrs } from '../telemetry/trace.js';

/** Criteria fields as typed (not yet parsed), plus where else criteria come from. */
export interface RecipeRequest extends OverlayCriteria {
  snapshot?: string;
  criteria?: string;
  data?: string;
  kubeconfig?: string;
}

export interface ResolvedRecipe {
  recipe: RecipeResult;
  store: RecipeStore;
  criteria: Criteria;
}

function applyFlagOverrides(c: Criteria, req: RecipeRequest, logChanges = true): Criteria {
  const out = { ...c };
  for (const f of CRITERIA_FIELDS) {
    const raw = req[f];
    if (raw === undefined || raw === '') continue;
    const v = parseCriteriaValue(f, raw);
    if (logChanges && v !== out[f])
      log().info('CLI flag overriding detected value', { field: f, from: out[f], to: v });
    out[f] = v;
  }
  if (req.nodes !== undefined && req.nodes > 0) out.nodes = req.nodes;
  return out;
}

function criteriaFromFlags(req: RecipeRequest): Criteria {
  const c = applyFlagOverrides(anyCriteria(), req, false);
  if (specificity(c) === 0) {
    throw invalid(
      'no criteria provided: specify at least one of --service, --accelerator, --intent, --os, --platform, --nodes, --criteria, or use --snapshot to load from a snapshot file',
    );
  }
  return c;
}

export async function resolveRecipe(req: RecipeRequest): Promise<ResolvedRecipe> {
  let criteria: Criteria;
  let snapshot: Snapshot | undefined;
  let evaluate: ConstraintEvaluator | undefined;
  if (req.snapshot) {
    const { loadSnapshot } = await import('../model/load.js');
    const { criteriaFromSnapshot } = await import('../recipe/from-snapshot.js');
    const { checkOverlayConstraint } = await import('../constraint/evaluate.js');
    try {
      snapshot = await loadSnapshot(req.snapshot, { kubeconfig: req.kubeconfig });
    } catch (err) {
      throw new AicrError('INTERNAL', `failed to load snapshot from "${req.snapshot}"`, err);
    }
    criteria = applyFlagOverrides(criteriaFromSnapshot(snapshot), req);
    evaluate = checkOverlayConstraint;
    log().info('criteria detected from snapshot', { ...criteria });
  } else if (req.criteria) {
    const { loadCriteriaFile } = await import('../model/load.js');
    let fromFile: Criteria;
    try {
      fromFile = await loadCriteriaFile(req.criteria, { kubeconfig: req.kubeconfig });
    } catch (err) {
      throw new AicrError('INTERNAL', `failed to load criteria from "${req.criteria}"`, err);
    }
    criteria = applyFlagOverrides(fromFile, req);
  } else {
    criteria = criteriaFromFlags(req);
  }
  const store = await openStore({ dataDir: req.data });
  const recipe = buildRecipe(store, criteria, { version: buildInfo.version, snapshot, evaluate });
  for (const w of recipe.metadata.constraintWarnings ?? []) {
    log().warn('overlay excluded: constraint not met', {
      overlay: w.overlay,
      constraint: w.constraint,
      expected: w.expected,
      actual: w.actual,
      reason: w.reason,
    });
  }
  return { recipe, store, criteria };
}

/** Where `aicr recipe` writes: file, stdout or ConfigMap, with the inputs it must not overwrite. */
export interface RecipeOutput {
  output?: string;
  format: Format;
  kubeconfig?: string;
  inputs: readonly NamedInput[];
}

/** `aicr recipe`: resolves the recipe for the request and writes it. */
export async function runRecipe(req: RecipeRequest, out: RecipeOutput): Promise<void> {
  let resolved;
  try {
    resolved = await resolveRecipe(req);
  } catch (err) {
    throw new AicrError('INTERNAL', 'error building recipe', err);
  }
  const { recipe } = resolved;
  await writeDocument(out.output, recipe, {
    kind: 'recipe',
    format: out.format,
    kubeconfig: out.kubeconfig,
    inputs: out.inputs,
  });
  setAttrs({
    'aicr.components': recipe.componentRefs?.length ?? 0,
    'aicr.overlays': recipe.metadata.appliedOverlays?.length ?? 0,
  });
  log().info('recipe generation completed', {
    output: out.output || 'stdout',
    components: recipe.componentRefs?.length ?? 0,
    overlays: recipe.metadata.appliedOverlays?.length ?? 0,
  });
}

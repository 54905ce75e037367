/**
 * Building a RecipeResult from criteria: match overlays, resolve their inheritance chains, merge them
 * over the base in order, check dependencies, compute the deployment order and fill registry defaults.
 * In snapshot mode each matched overlay's own constraints are evaluated against the snapshot first;
 * an overlay whose constraints fail is excluded and reported.
 */
import { AicrError, invalid, notFound } from '../errors/index.js';
import { log } from '../logging/logger.js';
import type {
  ComponentRef,
  Constraint,
  ConstraintWarning,
  Criteria,
  RecipeMetadata,
  RecipeResult,
  RecipeSpec,
} from '../model/recipe.js';
import { API_VERSION, type Snapshot } from '../model/snapshot.js';
import { COMPONENT_REF_FIELDS } from '../model/fields.js';
import { clone, sortKeysDeep } from '../util/objects.js';
import { criteriaMatch, orderCandidates } from './matcher.js';
import { mergeSpec } from './merge.js';
import { deploymentOrder, validateDependencies } from './order.js';
import { applyRegistryDefaults, findComponent } from './registry.js';
import type { RecipeStore } from './store.js';

export interface ConstraintCheck {
  passed: boolean;
  actual?: string;
  reason: string;
}

/** Evaluates one overlay constraint against a snapshot (snapshot mode). */
export type ConstraintEvaluator = (c: Constraint, snapshot: Snapshot) => ConstraintCheck;

export interface BuildOptions {
  version?: string;
  snapshot?: Snapshot;
  evaluate?: ConstraintEvaluator;
}

/** The overlay names from `name` up to the root, root first. */
export function resolveChain(store: RecipeStore, name: string): RecipeMetadata[] {
  const chain: RecipeMetadata[] = [];
  const seen = new Set<string>();
  let cur: string | undefined = name;
  try {
    while (cur && cur !== 'base') {
      if (seen.has(cur)) {
        throw invalid(
          `circular inheritance detected: recipe "${cur}" references itself in inheritance chain`,
        );
      }
      seen.add(cur);
      const o = store.overlays.get(cur);
      if (!o) throw notFound(`recipe "${cur}" not found (referenced in inheritance chain)`);
      chain.push(o);
      cur = o.spec.base;
    }
  } catch (err) {
    throw new AicrError('INVALID_REQUEST', 'failed to resolve inheritance chain', err);
  }
  return chain.reverse();
}

/**
 * ComponentRef in output field order (the schema's, COMPONENT_REF_FIELDS): type and source always,
 * everything else only when set.
 */
export function orderedRef(r: ComponentRef): ComponentRef {
  const out: Record<string, unknown> = {};
  for (const f of COMPONENT_REF_FIELDS) {
    const v = r[f];
    if (f === 'type' || f === 'source') {
      out[f] = v ?? '';
      continue;
    }
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (f === 'overrides') {
      if (Object.keys(v as object).length === 0) continue;
      out[f] = sortKeysDeep(v);
      continue;
    }
    out[f] = v;
  }
  return out as unknown as ComponentRef;
}

function orderedConstraint(c: Constraint): Constraint {
  const out: Constraint = { name: c.name, value: c.value };
  if (c.severity) out.severity = c.severity;
  if (c.remediation) out.remediation = c.remediation;
  if (c.unit) out.unit = c.unit;
  return out;
}

export function buildRecipe(store: RecipeStore, criteria: Criteria, opts: BuildOptions = {}): RecipeResult {
  const matched = orderCandidates(
    [...store.overlays.values()].filter((o) => criteriaMatch(o.spec.criteria, criteria)),
  );

  const excluded: string[] = [];
  const warnings: ConstraintWarning[] = [];
  let candidates = matched;
  if (opts.snapshot && opts.evaluate) {
    candidates = [];
    for (const o of matched) {
      let ok = true;
      for (const c of o.spec.constraints ?? []) {
        const res = opts.evaluate(c, opts.snapshot);
        if (!res.passed) {
          ok = false;
          const w: ConstraintWarning =
            res.actual !== undefined
              ? {
                  overlay: o.metadata.name,
                  constraint: c.name,
                  expected: c.value,
                  actual: res.actual,
                  reason: res.reason,
                }
              : { overlay: o.metadata.name, constraint: c.name, expected: c.value, reason: res.reason };
          warnings.push(w);
        }
      }
      if (ok) candidates.push(o);
      else excluded.push(o.metadata.name);
    }
  }

  let spec: RecipeSpec = clone(store.base.spec);
  const applied = ['base'];
  for (const o of candidates) {
    for (const member of resolveChain(store, o.metadata.name)) {
      if (applied.includes(member.metadata.name)) continue;
      spec = mergeSpec(spec, member.spec);
      applied.push(member.metadata.name);
    }
  }
  if (applied.length <= 1) {
    log().warn('no environment-specific overlays matched; the recipe holds the base configuration only', {
      criteria: Object.entries(criteria)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    });
  }

  const refs = clone(spec.componentRefs ?? []);
  try {
    validateDependencies(refs);
  } catch (err) {
    throw new AicrError('INVALID_REQUEST', 'merged recipe validation failed', err);
  }
  const order = deploymentOrder(refs);
  const registry = store.registry();
  for (const r of refs) {
    const c = findComponent(registry, r.name);
    if (c) applyRegistryDefaults(r, c);
  }

  const metadata: RecipeResult['metadata'] = {};
  if (opts.version) metadata.version = opts.version;
  metadata.appliedOverlays = applied;
  if (excluded.length) metadata.excludedOverlays = excluded;
  if (warnings.length) metadata.constraintWarnings = warnings;
  const result: RecipeResult = {
    kind: 'RecipeResult',
    apiVersion: API_VERSION,
    metadata,
    criteria: criteriaForOutput(criteria) as unknown as Criteria,
  };
  const constraints = [...(spec.constraints ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (constraints.length) result.constraints = constraints.map(orderedConstraint);
  result.componentRefs = refs.map(orderedRef);
  result.deploymentOrder = order;
  if (spec.validation && Object.keys(spec.validation).length) result.validation = spec.validation;
  return result;
}

/** Criteria as emitted in documents: nodes only when > 0. */
export function criteriaForOutput(c: Criteria): Record<string, unknown> {
  const out: Record<string, unknown> = {
    service: c.service,
    accelerator: c.accelerator,
    intent: c.intent,
    os: c.os,
    platform: c.platform,
  };
  if (c.nodes > 0) out.nodes = c.nodes;
  return out;
}

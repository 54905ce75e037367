/**
 * `aicr query`: the fully hydrated recipe (every component with its merged values inline) and
 * yq-style dot-path selectors into it.
 */
import { notFound } from '../errors/index.js';
import type { DataSource } from '../catalog/source.js';
import type { RecipeResult } from '../model/recipe.js';
import { isPlainMap, sortKeysDeep, type PlainMap } from '../util/objects.js';
import { componentValues } from './values.js';

export function hydrateRecipe(recipe: RecipeResult, src: DataSource): PlainMap {
  const out: PlainMap = {
    kind: recipe.kind,
    apiVersion: recipe.apiVersion,
    metadata: {
      version: recipe.metadata?.version ?? '',
      appliedOverlays: recipe.metadata?.appliedOverlays ?? [],
      excludedOverlays: recipe.metadata?.excludedOverlays ?? [],
      constraintWarnings: recipe.metadata?.constraintWarnings ?? [],
    },
  };
  if (recipe.criteria) {
    const c = recipe.criteria as unknown as Record<string, unknown>;
    out.criteria = {
      service: c.service ?? 'any',
      accelerator: c.accelerator ?? 'any',
      intent: c.intent ?? 'any',
      os: c.os ?? 'any',
      platform: c.platform ?? 'any',
      nodes: c.nodes ?? 0,
    };
  }
  if (recipe.constraints?.length) out.constraints = recipe.constraints;
  const components: PlainMap = {};
  for (const ref of recipe.componentRefs ?? []) {
    const c: PlainMap = { name: ref.name, type: ref.type ?? '', source: ref.source ?? '' };
    for (const f of ['namespace', 'chart', 'version', 'tag', 'path'] as const) if (ref[f]) c[f] = ref[f];
    if (ref.dependencyRefs?.length) c.dependencyRefs = ref.dependencyRefs;
    const values = componentValues(src, ref);
    if (Object.keys(values).length) c.values = sortKeysDeep(values);
    components[ref.name] = c;
  }
  out.components = components;
  out.deploymentOrder = recipe.deploymentOrder ?? [];
  return out;
}

/** Walks a dot path (one leading `.` ignored; empty or `.` selects everything). */
export function selectPath(doc: unknown, selector: string): unknown {
  const path = selector.startsWith('.') ? selector.slice(1) : selector;
  if (path === '') return doc;
  let cur: unknown = doc;
  for (const seg of path.split('.')) {
    if (!isPlainMap(cur)) {
      throw notFound(`selector "${selector}": cannot descend into non-map value at "${seg}"`);
    }
    if (!(seg in cur)) {
      const keys = Object.keys(cur).sort();
      throw notFound(
        `selector "${selector}": key "${seg}" not found, available keys: ${keys.length ? keys.join(', ') : '(none)'}`,
      );
    }
    cur = cur[seg];
  }
  return cur;
}

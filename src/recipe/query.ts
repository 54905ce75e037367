/**
 * `aicr query`: the fully hydrated recipe (every component with its merged values inline) and
 * yq-style dot-path selectors into it.
 */
import { invalid, notFound } from '../errors/index.js';
import { describeReading, resolvePath } from '../model/path.js';
import type { DataSource } from '../catalog/source.js';
import type { RecipeResult } from '../model/recipe.js';
import { isPlainMap, setOwnKey, sortKeysDeep, type PlainMap } from '../util/objects.js';
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
    setOwnKey(components, ref.name, c);
  }
  out.components = components;
  out.deploymentOrder = recipe.deploymentOrder ?? [];
  return out;
}

/** Names that would reach the object model instead of data; refused in selectors and `--set` paths. */
export const FORBIDDEN_SEGMENTS = ['__proto__', 'constructor', 'prototype'];

/**
 * Walks a dot path (one leading `.` ignored; empty or `.` selects everything). Keys may contain dots
 * (`nvidia.com/gpu.present`): the path is read against the keys that exist (src/model/path.ts); a
 * path two sets of keys spell is ambiguous (exit 2). Only own keys are read; segments naming
 * `__proto__`, `constructor` or `prototype` are refused (exit 2).
 */
export function selectPath(doc: unknown, selector: string): unknown {
  const path = selector.startsWith('.') ? selector.slice(1) : selector;
  if (path === '') return doc;
  const bad = path.split('.').find((seg) => FORBIDDEN_SEGMENTS.includes(seg));
  if (bad !== undefined) {
    throw invalid(
      `selector ${JSON.stringify(selector)}: segment ${JSON.stringify(bad)} is not allowed (${FORBIDDEN_SEGMENTS.join(', ')} name the object model, not data)`,
    );
  }
  const r = resolvePath(doc, path, (node) => (isPlainMap(node) ? node : undefined));
  switch (r.kind) {
    case 'found':
      return r.value;
    case 'ambiguous':
      throw invalid(
        `selector ${JSON.stringify(selector)} is ambiguous: it reads as ${r.readings.map(describeReading).join(' and as ')}`,
      );
    case 'too-complex':
      throw invalid(`selector ${JSON.stringify(selector)} has too many possible readings`);
    default: {
      const seg = r.rest.split('.')[0];
      if (!isPlainMap(r.node)) {
        throw notFound(`selector "${selector}": cannot descend into non-map value at "${seg}"`);
      }
      const keys = Object.keys(r.node).sort();
      throw notFound(
        `selector "${selector}": key "${seg}" not found, available keys: ${keys.length ? keys.join(', ') : '(none)'}`,
      );
    }
  }
}

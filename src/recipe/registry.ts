/**
 * The component registry (registry.yaml): per-component defaults (chart, repository, version,
 * namespace), `--set` aliases, scheduling paths and validations. Merging for `--data` and the
 * defaults the recipe engine fills into empty componentRef fields.
 */
import type { ComponentRef, ComponentRegistry, RegistryComponent } from '../model/recipe.js';
import { canonicalComponentName } from '../catalog/legacy.js';

/** Canonical names for every component (legacy Skyhook names become Nodewright). */
export function normalizeRegistry(reg: ComponentRegistry): ComponentRegistry {
  return {
    ...reg,
    components: (reg.components ?? []).map((c) => ({ ...c, name: canonicalComponentName(c.name) })),
  };
}

/**
 * Embedded components in embedded order, each replaced whole by a same-named external entry, then
 * external-only components in external order.
 */
export function mergeRegistries(embedded: ComponentRegistry, external: ComponentRegistry): ComponentRegistry {
  const ext = new Map(external.components.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const components: RegistryComponent[] = [];
  for (const c of embedded.components) {
    components.push(ext.get(c.name) ?? c);
    seen.add(c.name);
  }
  for (const c of external.components) if (!seen.has(c.name)) components.push(c);
  return { apiVersion: embedded.apiVersion, kind: embedded.kind, components };
}

export function componentType(c: RegistryComponent): 'Helm' | 'Kustomize' {
  return c.kustomize?.defaultSource ? 'Kustomize' : 'Helm';
}

/** Fills empty fields of `ref` from the registry entry (only empty fields; never overrides). */
export function applyRegistryDefaults(ref: ComponentRef, c: RegistryComponent): void {
  const type = componentType(c);
  if (!ref.type) ref.type = type;
  if (type === 'Kustomize') {
    if (!ref.source && c.kustomize?.defaultSource) ref.source = c.kustomize.defaultSource;
    if (!ref.tag && c.kustomize?.defaultTag) ref.tag = c.kustomize.defaultTag;
    if (!ref.path && c.kustomize?.defaultPath) ref.path = c.kustomize.defaultPath;
    return;
  }
  const h = c.helm ?? {};
  if (!ref.source && h.defaultRepository) ref.source = h.defaultRepository;
  if (!ref.version && h.defaultVersion) ref.version = h.defaultVersion;
  if (!ref.namespace && h.defaultNamespace) ref.namespace = h.defaultNamespace;
  if (!ref.chart && h.defaultChart) ref.chart = h.defaultChart.slice(h.defaultChart.lastIndexOf('/') + 1);
}

export function findComponent(
  reg: ComponentRegistry | undefined,
  name: string,
): RegistryComponent | undefined {
  return reg?.components.find((c) => c.name === name);
}

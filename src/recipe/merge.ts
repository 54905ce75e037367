/**
 * Merging an overlay's spec into the accumulated recipe spec.
 *  - constraints: keyed by name, the overlay's entry replaces the whole entry; sorted by name.
 *  - componentRefs: keyed by name; new components appended, existing ones merged field by field
 *    (scalars: overlay wins when non-empty; overrides: shallow top-level merge; patches,
 *    dependencyRefs, expectedResources: replaced when the overlay lists any; manifestFiles: union;
 *    cleanup: sticky true); sorted by name.
 *  - validation: each phase the overlay defines replaces that phase.
 */
import type { ComponentRef, Constraint, RecipeSpec } from '../model/recipe.js';
import { COMPONENT_REF_FIELDS } from '../model/fields.js';
import { byName, clone } from '../util/objects.js';

/**
 * How each ComponentRef field merges. Typed over the schema's fields: a field added to the schema
 * without a rule here does not compile.
 */
const MERGE_RULE: Record<keyof ComponentRef, 'key' | 'scalar' | 'shallow' | 'replace' | 'union' | 'sticky'> =
  {
    name: 'key',
    namespace: 'scalar',
    chart: 'scalar',
    type: 'scalar',
    source: 'scalar',
    version: 'scalar',
    tag: 'scalar',
    valuesFile: 'scalar',
    overrides: 'shallow',
    patches: 'replace',
    dependencyRefs: 'replace',
    manifestFiles: 'union',
    path: 'scalar',
    cleanup: 'sticky',
    expectedResources: 'replace',
    healthCheckAsserts: 'scalar',
  };
const SCALAR_FIELDS = COMPONENT_REF_FIELDS.filter((f) => MERGE_RULE[f] === 'scalar');

export function mergeComponent(base: ComponentRef, overlay: ComponentRef): ComponentRef {
  const out: ComponentRef = clone(base);
  for (const f of SCALAR_FIELDS) {
    const v = overlay[f];
    if (v) (out as Record<string, unknown>)[f] = v;
  }
  if (overlay.overrides && Object.keys(overlay.overrides).length > 0) {
    out.overrides = { ...(out.overrides ?? {}), ...clone(overlay.overrides) };
  }
  if (overlay.patches && overlay.patches.length) out.patches = [...overlay.patches];
  if (overlay.dependencyRefs && overlay.dependencyRefs.length)
    out.dependencyRefs = [...overlay.dependencyRefs];
  if (overlay.expectedResources && overlay.expectedResources.length) {
    out.expectedResources = clone(overlay.expectedResources);
  }
  if (overlay.manifestFiles && overlay.manifestFiles.length) {
    const files = [...(out.manifestFiles ?? [])];
    for (const f of overlay.manifestFiles) if (!files.includes(f)) files.push(f);
    out.manifestFiles = files;
  }
  if (overlay.cleanup) out.cleanup = true;
  return out;
}

function mergeConstraints(base: Constraint[] = [], overlay: Constraint[] = []): Constraint[] {
  const map = new Map(base.map((c) => [c.name, c]));
  for (const c of overlay) map.set(c.name, clone(c));
  return [...map.values()].sort(byName);
}

/** Returns a new spec: `acc` with `overlay` merged on top. */
export function mergeSpec(acc: RecipeSpec, overlay: RecipeSpec): RecipeSpec {
  const out: RecipeSpec = { ...acc };
  if (overlay.constraints && overlay.constraints.length) {
    out.constraints = mergeConstraints(acc.constraints ?? [], overlay.constraints);
  }
  if (overlay.componentRefs && overlay.componentRefs.length) {
    const refs = [...(acc.componentRefs ?? [])];
    for (const ref of overlay.componentRefs) {
      const i = refs.findIndex((r) => r.name === ref.name);
      if (i >= 0) refs[i] = mergeComponent(refs[i], ref);
      else refs.push(clone(ref));
    }
    out.componentRefs = refs.sort(byName);
  }
  if (overlay.validation) {
    out.validation = { ...(acc.validation ?? {}), ...clone(overlay.validation) };
  }
  return out;
}

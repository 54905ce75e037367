/**
 * Which components a bundle contains, in which order, and which `--set` entries belong to each.
 *
 *  - A component is disabled when the recipe's `overrides.enabled` is boolean false;
 *    `--set <component>:enabled=true|false` overrides that (Go ParseBool spellings).
 *  - `--set` keys resolve to a recipe component by exact name, its registry `valueOverrideKeys`, or
 *    its legacy Skyhook name. A key naming no component of the recipe is an error that lists the
 *    components and their aliases (upstream ignores it silently).
 *  - Order: the recipe's `deploymentOrder` filtered to enabled components; components it does not
 *    list follow, sorted by name; without a deploymentOrder the componentRefs order is kept.
 */
import { invalid } from '../errors/index.js';
import { boolWord } from '../util/bool.js';
import { isDns1123 } from '../util/names.js';
import type { ComponentRef, ComponentRegistry, RecipeResult, RegistryComponent } from '../model/recipe.js';
import { canonicalComponentName, legacyNamesOf } from '../catalog/legacy.js';
import { findComponent } from '../recipe/registry.js';
import { parseSet, type SetEntry } from './options.js';

export type ComponentKind = 'helm' | 'kustomize' | 'manifest';

export interface PlannedComponent {
  /** Component name as in the recipe (folder name, Helm release name). */
  name: string;
  ref: ComponentRef;
  kind: ComponentKind;
  namespace: string;
  /** Chart name (the `chart` field, else the component name). */
  chart: string;
  /** Chart repository (Helm), git/OCI source (Kustomize), or "" (manifest-only). */
  source: string;
  /** Version as written in the recipe (Helm chart version; may keep a leading `v`). */
  version: string;
  /** Kustomize tag and path. */
  tag: string;
  path: string;
  registry?: RegistryComponent;
  /** Keys accepted by `--set` for this component (name first). */
  aliases: string[];
  /** `--set` entries for this component in command-line order (`enabled` removed). */
  sets: SetEntry[];
  /** 0-based position in the deployment order (Argo CD sync wave). */
  wave: number;
}

export interface ComponentPlan {
  components: PlannedComponent[];
  /** Names of components left out (recipe-disabled or `--set …:enabled=false`). */
  disabled: string[];
}

/** Names become folder names, Helm releases and shell words: DNS-1123 labels only. */
export function checkComponentName(name: string): void {
  if (!isDns1123(name, 'label')) {
    throw invalid(
      `invalid component name "${name}": must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters; no path separators or parent directory references)`,
    );
  }
}

function checkNamespace(component: string, ns: string): void {
  if (!isDns1123(ns, 'label')) {
    throw invalid(
      `invalid namespace "${ns}" of component "${component}": must be a DNS-1123 label (lowercase letters, digits and "-")`,
    );
  }
}

function enabledFromSet(e: SetEntry): boolean {
  const b = boolWord(e.raw);
  if (b === undefined) throw invalid(`invalid --set "${e.text}": enabled must be true or false`);
  return b;
}

export function aliasesOf(name: string, reg: RegistryComponent | undefined): string[] {
  const out = [name];
  const add = (k: string) => {
    if (k && !out.includes(k)) out.push(k);
  };
  for (const k of reg?.valueOverrideKeys ?? []) add(k);
  for (const legacy of legacyNamesOf(canonicalComponentName(name))) {
    add(legacy);
    add(legacy.replace(/-/g, ''));
  }
  if (canonicalComponentName(name) !== name) add(canonicalComponentName(name));
  return out;
}

export function componentKind(ref: ComponentRef): ComponentKind {
  if (ref.type === 'Kustomize') return 'kustomize';
  if (ref.source) return 'helm';
  return 'manifest';
}

function describeComponents(refs: { name: string; aliases: string[] }[]): string {
  return refs
    .map((r) => (r.aliases.length > 1 ? `${r.name} (aliases: ${r.aliases.slice(1).join(', ')})` : r.name))
    .join(', ');
}

/** Parses raw `--set` strings and plans the bundle's components. */
export function planComponents(
  recipe: RecipeResult,
  registry: ComponentRegistry | undefined,
  setFlags: string[] = [],
): ComponentPlan {
  const refs = recipe.componentRefs ?? [];
  if (refs.length === 0) throw invalid('recipe must contain at least one component reference');
  const seen = new Set<string>();
  for (const r of refs) {
    checkComponentName(r.name);
    if (seen.has(r.name)) throw invalid(`recipe lists component "${r.name}" twice in componentRefs`);
    seen.add(r.name);
  }

  const entries = refs.map((ref) => {
    const reg = findComponent(registry, canonicalComponentName(ref.name));
    return { ref, name: ref.name, reg, aliases: aliasesOf(ref.name, reg) };
  });
  // Exact names win over aliases; among aliases the first component listing one wins.
  const byKey = new Map<string, string>();
  for (const e of entries) byKey.set(e.name, e.name);
  for (const e of entries) for (const a of e.aliases) if (!byKey.has(a)) byKey.set(a, e.name);

  const sets = new Map<string, SetEntry[]>(entries.map((e) => [e.name, []]));
  const enabledBySet = new Map<string, boolean>();
  for (const text of setFlags) {
    const entry = parseSet(text);
    const target = byKey.get(entry.key);
    if (!target) {
      throw invalid(
        `invalid --set "${text}": "${entry.key}" is not a component of this recipe; use one of: ${describeComponents(entries)}`,
      );
    }
    if (entry.path === 'enabled') enabledBySet.set(target, enabledFromSet(entry));
    else sets.get(target)!.push(entry);
  }

  const enabled = new Set<string>();
  const disabled: string[] = [];
  for (const e of entries) {
    const recipeFlag = e.ref.overrides?.enabled;
    const on = enabledBySet.get(e.name) ?? recipeFlag !== false;
    if (on) enabled.add(e.name);
    else disabled.push(e.name);
  }
  if (enabled.size === 0) throw invalid('recipe has no enabled components after filtering');

  const listed = (recipe.deploymentOrder ?? []).filter((n, i, a) => enabled.has(n) && a.indexOf(n) === i);
  let order: string[];
  if ((recipe.deploymentOrder ?? []).length === 0) {
    order = entries.filter((e) => enabled.has(e.name)).map((e) => e.name);
  } else {
    const rest = [...enabled].filter((n) => !listed.includes(n)).sort();
    order = [...listed, ...rest];
  }

  const byName = new Map(entries.map((e) => [e.name, e]));
  const components = order.map((name, wave): PlannedComponent => {
    const e = byName.get(name)!;
    const ref = e.ref;
    const namespace =
      ref.namespace ||
      e.reg?.helm?.defaultNamespace ||
      (e.reg?.manifest as { defaultNamespace?: string } | undefined)?.defaultNamespace ||
      'default';
    checkNamespace(name, namespace);
    return {
      name,
      ref,
      kind: componentKind(ref),
      namespace,
      chart: ref.chart || name,
      source: ref.source ?? '',
      version: ref.version ?? '',
      tag: ref.tag ?? '',
      path: ref.path ?? '',
      registry: e.reg,
      aliases: e.aliases,
      sets: sets.get(name)!,
      wave,
    };
  });
  return { components, disabled };
}

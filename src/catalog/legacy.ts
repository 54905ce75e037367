/**
 * Nodewright, formerly Skyhook (docs/decisions.md, decision 5): catalogs in the reference format name the
 * node-optimization components `skyhook-operator` and `skyhook-customizations`. They are read as
 * `nodewright-operator` and `nodewright-customizations`, so reference-format `--data` keeps working.
 */
export const LEGACY_COMPONENT_NAMES: Readonly<Record<string, string>> = {
  'skyhook-operator': 'nodewright-operator',
  'skyhook-customizations': 'nodewright-customizations',
};

export function canonicalComponentName(name: string): string {
  return LEGACY_COMPONENT_NAMES[name] ?? name;
}

/** Legacy names that map to `name` (empty for most components). */
export function legacyNamesOf(name: string): string[] {
  return Object.entries(LEGACY_COMPONENT_NAMES)
    .filter(([, v]) => v === name)
    .map(([k]) => k);
}

// The one rule of which precompiled catalog file holds a file of recipes/, shared by the build
// (scripts/compile-catalog.mjs) and the runtime (src/catalog/embedded.ts). Plain JavaScript so the
// build script can import it without compiling; types in parts.d.mts.
//   index:     registry.yaml, overlays and everything else (all `aicr recipe` needs)
//   values:    components/** except manifests (added by `query` and `bundle`)
//   manifests: components/*/manifests/** and checks/** (only `bundle`)

export const CATALOG_PARTS = ['index', 'values', 'manifests'];

/** @param {string} rel a path relative to recipes/ */
export function catalogPart(rel) {
  if (rel.startsWith('checks/') || (rel.startsWith('components/') && rel.includes('/manifests/')))
    return 'manifests';
  if (rel.startsWith('components/')) return 'values';
  return 'index';
}

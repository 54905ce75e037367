/**
 * Helm values of a component, as the recipe defines them (query hydration and bundle use this):
 *  1. no valuesFile and no overrides ⇒ {}
 *  2. valuesFile is the component's own `components/<name>/values.yaml` ⇒ that file
 *  3. any other valuesFile ⇒ the component's `values.yaml` (when present) with the valuesFile deep-merged on top
 *  4. the recipe's inline `overrides` deep-merged on top.
 */
import { AicrError, invalid } from '../errors/index.js';
import type { DataSource } from '../catalog/source.js';
import type { ComponentRef } from '../model/recipe.js';
import { deepMerge, isPlainMap, type PlainMap } from '../util/objects.js';
import { legacyNamesOf } from '../catalog/legacy.js';

function baseValuesPath(ref: ComponentRef): string {
  // A reference-format catalog keeps values under the legacy folder name (components/skyhook-operator/).
  const vf = ref.valuesFile ?? '';
  for (const dir of [ref.name, ...legacyNamesOf(ref.name)]) {
    if (vf.startsWith(`components/${dir}/`)) return `components/${dir}/values.yaml`;
  }
  return `components/${ref.name}/values.yaml`;
}

function loadMap(src: DataSource, rel: string, component: string): PlainMap {
  if (!src.has(rel))
    throw invalid(`values file ${rel} of component "${component}" not found in ${src.description}`);
  const doc = src.doc(rel);
  if (doc === null || doc === undefined) return {};
  if (!isPlainMap(doc)) throw invalid(`values file ${rel} of component "${component}" is not a YAML mapping`);
  return doc;
}

export function componentValues(src: DataSource, ref: ComponentRef): PlainMap {
  try {
    let values: PlainMap = {};
    if (ref.valuesFile) {
      const base = baseValuesPath(ref);
      if (ref.valuesFile === base) values = loadMap(src, base, ref.name);
      else {
        if (src.has(base)) values = loadMap(src, base, ref.name);
        values = deepMerge(values, loadMap(src, ref.valuesFile, ref.name)) as PlainMap;
      }
    }
    if (ref.overrides && Object.keys(ref.overrides).length) {
      values = deepMerge(values, ref.overrides) as PlainMap;
    }
    return values;
  } catch (err) {
    throw new AicrError(
      err instanceof AicrError ? err.code : 'INTERNAL',
      `failed to hydrate values for component "${ref.name}"`,
      err,
    );
  }
}

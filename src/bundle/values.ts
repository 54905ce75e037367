/**
 * Final Helm values of a bundle component. Precedence, lowest first:
 *   base values.yaml < overlay valuesFile < recipe `overrides` (src/recipe/values.ts)
 *   < `--set` entries (command-line order, later wins)
 *   < scheduling injections at the registry's paths, in this order: system node selector, system
 *     tolerations, accelerated node selector, accelerated tolerations, workload selector,
 *     workload-gate taint, node count.
 * Maps merge recursively; lists and scalars replace. A scheduling value replaces whatever is at its
 * path. When no toleration flag of a kind is given, `[{operator: Exists}]` is written at that
 * kind's toleration paths (upstream behaviour: components tolerate every taint by default).
 */
import { invalid } from '../errors/index.js';
import type { DataSource } from '../catalog/source.js';
import { componentValues } from '../recipe/values.js';
import { clone, isPlainMap, type PlainMap } from '../util/objects.js';
import { setOwn } from '../io/document.js';
import type { PlannedComponent } from './components.js';
import { TOLERATE_ALL, type Scheduling, type SetEntry } from './options.js';

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

/** Sets `value` at a dotted path, creating maps; fails when an existing intermediate is not a map. */
export function setStrict(values: PlainMap, entry: SetEntry): void {
  const segs = entry.path.split('.');
  let cur: PlainMap = values;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = segs[i];
    // Own keys only: an inherited name never counts as an existing map.
    const next = Object.prototype.hasOwnProperty.call(cur, s) ? cur[s] : undefined;
    if (next === undefined || next === null) {
      setOwn(cur, s, {});
    } else if (!isPlainMap(next)) {
      throw invalid(
        `invalid --set "${entry.text}": ${segs.slice(0, i + 1).join('.')} is ${describeType(next)}, not a map, so ${entry.path} cannot be set`,
      );
    }
    cur = cur[s] as PlainMap;
  }
  setOwn(cur, segs[segs.length - 1], entry.value);
}

/** Sets `value` at a dotted path, replacing non-map intermediates (scheduling injections). */
export function setForce(values: PlainMap, path: string, value: unknown): void {
  const segs = path.split('.').filter((s) => s !== '');
  if (segs.length === 0) return;
  let cur: PlainMap = values;
  for (const s of segs.slice(0, -1)) {
    if (!Object.prototype.hasOwnProperty.call(cur, s) || !isPlainMap(cur[s])) setOwn(cur, s, {});
    cur = cur[s] as PlainMap;
  }
  setOwn(cur, segs[segs.length - 1], clone(value));
}

/** The recipe-side values: base + overlay + overrides, without a boolean `enabled` toggle. */
export function recipeValues(source: DataSource, c: PlannedComponent): PlainMap {
  let ref = c.ref;
  if (ref.overrides && typeof ref.overrides.enabled === 'boolean') {
    const { enabled: _enabled, ...rest } = ref.overrides;
    ref = { ...ref, overrides: rest };
  }
  return clone(componentValues(source, ref));
}

export function applySets(values: PlainMap, sets: SetEntry[]): void {
  for (const e of sets) setStrict(values, e);
}

export function applyScheduling(values: PlainMap, c: PlannedComponent, s: Scheduling): void {
  const reg = c.registry;
  if (!reg) return;
  const sys = reg.nodeScheduling?.system ?? {};
  const acc = reg.nodeScheduling?.accelerated ?? {};
  const put = (paths: string[] | undefined, v: unknown) => {
    if (v === undefined) return;
    for (const p of paths ?? []) setForce(values, p, v);
  };
  put(sys.nodeSelectorPaths, s.systemNodeSelector);
  put(sys.tolerationPaths, s.systemTolerations ?? TOLERATE_ALL);
  put(acc.nodeSelectorPaths, s.acceleratedNodeSelector);
  put(acc.tolerationPaths, s.acceleratedTolerations ?? TOLERATE_ALL);
  put(reg.podScheduling?.workload?.workloadSelectorPaths, s.workloadSelector);
  put(acc.taintStrPaths, s.workloadGate);
  put(reg.nodeScheduling?.nodeCountPaths, s.nodes);
}

/** Final values of one component (a fresh tree). */
export function finalValues(source: DataSource, c: PlannedComponent, s: Scheduling): PlainMap {
  const values = recipeValues(source, c);
  applySets(values, c.sets);
  applyScheduling(values, c, s);
  return values;
}

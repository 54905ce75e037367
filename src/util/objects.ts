/** Small helpers for plain data (YAML/JSON trees). */

export type PlainMap = Record<string, unknown>;

export function isPlainMap(v: unknown): v is PlainMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** Deep copy of plain data. */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainMap(v)) {
    const out: PlainMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

/**
 * Deep merge: maps merge recursively; any other upper value (lists included) replaces the lower one.
 * `null` is kept as a value, not treated as a deletion. Returns a new tree.
 */
export function deepMerge(lower: unknown, upper: unknown): unknown {
  if (isPlainMap(lower) && isPlainMap(upper)) {
    const out: PlainMap = clone(lower);
    for (const [k, v] of Object.entries(upper)) {
      out[k] = k in out ? deepMerge(out[k], v) : clone(v);
    }
    return out;
  }
  return clone(upper);
}

/** Copy with every map's keys sorted bytewise (for output where key order carries no meaning). */
export function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeysDeep) as T;
  if (isPlainMap(v)) {
    const out: PlainMap = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep(v[k]);
    return out as T;
  }
  return v;
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Small helpers for plain data (YAML/JSON trees). */

export type PlainMap = Record<string, unknown>;

export function isPlainMap(v: unknown): v is PlainMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** Sets an own data property, even for the key `__proto__` (plain assignment would set the prototype). */
export function setOwnKey(obj: PlainMap, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else obj[key] = value;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Deep copy of plain data (keys are always own data properties, `__proto__` included). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainMap(v)) {
    const out: PlainMap = {};
    for (const [k, x] of Object.entries(v)) setOwnKey(out, k, clone(x));
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
      setOwnKey(out, k, hasOwn(out, k) ? deepMerge(out[k], v) : clone(v));
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
    for (const k of Object.keys(v).sort()) setOwnKey(out, k, sortKeysDeep(v[k]));
    return out as T;
  }
  return v;
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

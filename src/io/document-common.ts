/**
 * What the JSON and YAML readers of src/io/document.ts share: the recorded scalar text (`scalarText`,
 * `textOf`), own-property assignment, exact integers and the errors for depth and duplicate keys.
 */
import { invalid } from '../errors/index.js';
import { MAX_DEPTH } from './limits.js';

/** Most alias expansions (nodes reached through `*alias`) in one YAML document. */
export const MAX_ALIAS_NODES = 100_000;

const scalarTexts = new WeakMap<object, Map<string | number, string>>();

export function noteText(container: object, key: string | number, text: string): void {
  let m = scalarTexts.get(container);
  if (!m) scalarTexts.set(container, (m = new Map()));
  m.set(key, text);
}

/**
 * The source text of the non-string scalar at `container[key]` when it differs from the value's own
 * text (`1.10` read as 1.1, `True` read as true); undefined otherwise (strings, or text that reads
 * back the same).
 */
export function scalarText(container: unknown, key: string | number): string | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  return scalarTexts.get(container)?.get(key);
}

/**
 * The value at `container[key]` as text, the way a Go string field reads it: strings as they are,
 * other scalars as written in the source (`1.10`, `True`), else their JS text. Undefined for maps,
 * lists and missing values.
 */
export function textOf(container: unknown, key: string | number): string | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  if (!Object.prototype.hasOwnProperty.call(container, key)) return undefined;
  const v = (container as Record<string | number, unknown>)[key];
  if (typeof v === 'string') return v;
  if (v === null || ['number', 'bigint', 'boolean'].includes(typeof v)) {
    return scalarText(container, key) ?? (v === null ? '' : String(v));
  }
  return undefined;
}

/** Sets an own data property, even for the key `__proto__` (which plain assignment would not). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else obj[key] = value;
}

export function exactInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function tooDeep(source: string, line: number): never {
  throw invalid(
    `${source}: line ${line}: document is nested more than ${MAX_DEPTH} levels deep (the limit for maps and lists)`,
  );
}

export function duplicate(source: string, key: string, line: number, first: number): never {
  throw invalid(
    `${source}: line ${line}: duplicate key ${JSON.stringify(key)} (first at line ${first}); each key may appear once per mapping`,
  );
}

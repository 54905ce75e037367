/**
 * The value model of the template engine: how plain JavaScript data stands in for Go's `any`.
 *
 * | JavaScript                         | Go equivalent               | type name used in messages   |
 * |------------------------------------|-----------------------------|------------------------------|
 * | `undefined` (missing map key)      | "no value" (invalid Value)  | `<nil>`                      |
 * | `null`                             | `nil`                       | `<nil>`                      |
 * | string                             | `string`                    | `string`                     |
 * | integral number below 2^63, bigint | `int`                       | `int`                        |
 * | other number                       | `float64`                   | `float64`                    |
 * | boolean                            | `bool`                      | `bool`                       |
 * | array                              | `[]interface {}`            | `[]interface {}`             |
 * | other object                       | `map[string]interface {}`   | `map[string]interface {}`    |
 * | function                           | method / func               | `func`                       |
 *
 * JavaScript has one number type, so a YAML `1.0` (a float64 in Go) is an int here; formatting
 * follows from that (`1.0` prints as `1`, which is also what Go's `%v` prints for float64 1).
 */

export type Dict = Record<string, unknown>;

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** An integral number below 2^63 stands for a Go `int` (JavaScript cannot tell `1.0` from `1`). */
export function isGoInt(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) < 2 ** 63;
}

export function isIntValue(v: unknown): boolean {
  return typeof v === 'bigint' || (typeof v === 'number' && isGoInt(v));
}

/** The Go type name of a value, as Go's error messages print it. */
export function goTypeName(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return isGoInt(v) ? 'int' : 'float64';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func';
    default:
      break;
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Uint8Array) return '[]uint8';
  return 'map[string]interface {}';
}

/** Go's kind names (`reflect.Kind.String()`), used by `kindOf`. */
export function goKindName(v: unknown): string {
  if (isNil(v)) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return isGoInt(v) ? 'int' : 'float64';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func';
    default:
      break;
  }
  if (Array.isArray(v) || v instanceof Uint8Array) return 'slice';
  return 'map';
}

/** Go's `text/template` truth: false, 0, nil, and empty strings, lists and maps are false. */
export function isTrue(v: unknown): boolean {
  if (isNil(v)) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    case 'function':
      return true;
    default:
      break;
  }
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Compares strings the way Go does (bytewise UTF-8, which equals code point order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The keys of a map in Go's sorted order (as `range` and `fmt` visit them). */
export function sortedKeys(d: Dict): string[] {
  return Object.keys(d).sort(compareGoStrings);
}

/** Own-property lookup; `undefined` when absent (never walks the prototype chain). */
export function mapGet(d: Dict, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(d, key) ? d[key] : undefined;
}

/** UTF-8 byte length, Go's `len` of a string. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

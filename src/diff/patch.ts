/**
 * RFC 6902 JSON Patch generation: `diffPatch(a, b)` returns operations that, applied to `a`, yield a
 * document deep-equal to `b` (arrays in `b`'s order). Arrays whose elements all carry a unique string
 * identity (`subtype`, `type`, `name` or `id`, the first field that works for both sides) are matched
 * by that identity: a reordered measurement list becomes `move` operations, a changed reading one
 * `replace` deep inside its element, never a rewrite of every index after it. Other arrays are
 * compared index by index.
 *
 * Applying is left to an independent implementation (tests use fast-json-patch).
 */

export type PatchOp =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string };

const IDENTITY_FIELDS = ['subtype', 'type', 'name', 'id'];

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** JSON Pointer token (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Deep equality of JSON values (bigints by value, key order ignored, Dates by time). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/**
 * The first of `fields` that every element of both arrays has as a string, unique on each side (the key
 * array elements are matched by instead of their index); undefined when there is none.
 */
export function uniqueStringField(a: unknown[], b: unknown[], fields: readonly string[]): string | undefined {
  const unique = (arr: unknown[], f: string) => {
    const seen = new Set<string>();
    for (const x of arr) {
      if (!isPlainObject(x) || typeof x[f] !== 'string' || seen.has(x[f])) return false;
      seen.add(x[f]);
    }
    return true;
  };
  return fields.find((f) => unique(a, f) && unique(b, f));
}

/** The identity field shared by every element of both arrays, unique on each side; else undefined. */
function identityField(a: unknown[], b: unknown[]): string | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  return uniqueStringField(a, b, IDENTITY_FIELDS);
}

function diffInto(a: unknown, b: unknown, ptr: string, ops: PatchOp[]): void {
  if (jsonEqual(a, b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of Object.keys(a)) {
      if (a[k] !== undefined && (!hasOwn(b, k) || b[k] === undefined))
        ops.push({ op: 'remove', path: `${ptr}/${pointerToken(k)}` });
    }
    for (const k of Object.keys(b)) {
      if (b[k] === undefined) continue;
      const p = `${ptr}/${pointerToken(k)}`;
      if (!hasOwn(a, k) || a[k] === undefined) ops.push({ op: 'add', path: p, value: b[k] });
      else diffInto(a[k], b[k], p, ops);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const field = identityField(a, b);
    if (field) return diffKeyed(a, b, field, ptr, ops);
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) diffInto(a[i], b[i], `${ptr}/${i}`, ops);
    for (let i = common; i < b.length; i++) ops.push({ op: 'add', path: `${ptr}/${i}`, value: b[i] });
    for (let i = a.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${ptr}/${i}` });
    return;
  }
  ops.push({ op: 'replace', path: ptr, value: b });
}

/** Arrays matched by identity: removals, then each target position filled by a move, an add or in place. */
function diffKeyed(a: unknown[], b: unknown[], field: string, ptr: string, ops: PatchOp[]): void {
  const id = (x: unknown) => (x as Record<string, string>)[field];
  const wanted = new Set(b.map(id));
  const work = [...a];
  for (let i = work.length - 1; i >= 0; i--) {
    if (!wanted.has(id(work[i]))) {
      ops.push({ op: 'remove', path: `${ptr}/${i}` });
      work.splice(i, 1);
    }
  }
  for (let i = 0; i < b.length; i++) {
    const key = id(b[i]);
    const j = work.findIndex((x, k) => k >= i && id(x) === key);
    if (j < 0) {
      ops.push({ op: 'add', path: `${ptr}/${i}`, value: b[i] });
      work.splice(i, 0, b[i]);
      continue;
    }
    if (j !== i) {
      ops.push({ op: 'move', from: `${ptr}/${j}`, path: `${ptr}/${i}` });
      const [moved] = work.splice(j, 1);
      work.splice(i, 0, moved);
    }
    diffInto(work[i], b[i], `${ptr}/${i}`, ops);
  }
}

/** RFC 6902 operations turning `a` into `b` (empty when they are equal). */
export function diffPatch(a: unknown, b: unknown): PatchOp[] {
  const ops: PatchOp[] = [];
  diffInto(a, b, '', ops);
  return ops;
}

/**
 * Measurement-path changes between two documents of one kind, for `aicr diff` and `snapshot --watch`.
 *
 * Snapshots are compared reading by reading, matched by measurement type, subtype and key (never by
 * array index: reordering is not a change); each change is named by its measurement path
 * `Type.subtype.key` (`GPU.smi.driver`), the form constraint paths use and src/model/path.ts reads back.
 * A path that would read two ways (a subtype and a key that both hold dots) is written with the
 * dotted names quoted (`SystemD."containerd.service".ActiveState`). Header fields are `kind`,
 * `apiVersion` and `metadata.<key>`; a subtype's context entries are `Type.subtype[context].key`.
 * Other documents (RecipeResult, ValidationResult, FleetReport) are compared leaf by leaf: object keys
 * joined by dots, list items matched by `name`/`type`/`subtype`/`id`/`path`/`node` when every item has a
 * unique one
 * (`componentRefs[gpu-operator].version`), else by index (`[3]`).
 */
import { describeReading, resolvePath } from '../model/path.js';
import { isPlainObject, jsonEqual, uniqueStringField } from './patch.js';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface Change {
  path: string;
  change: ChangeKind;
  old?: unknown;
  new?: unknown;
}

/**
 * Readings that change on every run whatever the node's configuration: the capture time and kernel
 * counters under /proc/sys. Dropped unless `--no-default-ignores`; documented in docs/diff.md.
 */
export const DEFAULT_IGNORES: readonly string[] = [
  'metadata.timestamp',
  // FleetReport: how long the run took.
  'metadata.duration',
  'OS.sysctl./proc/sys/fs/dentry-state',
  'OS.sysctl./proc/sys/fs/file-nr',
  'OS.sysctl./proc/sys/fs/inode-nr',
  'OS.sysctl./proc/sys/fs/inode-state',
  'OS.sysctl./proc/sys/fs/aio-nr',
  'OS.sysctl./proc/sys/kernel/ns_last_pid',
  'OS.sysctl./proc/sys/kernel/pty/nr',
  'OS.sysctl./proc/sys/kernel/random/entropy_avail',
  'OS.sysctl./proc/sys/kernel/random/uuid',
];

/** `*` matches any run of characters (dots and slashes included), `?` one character; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export class IgnoreSet {
  private readonly res: RegExp[];
  constructor(readonly patterns: readonly string[]) {
    this.res = patterns.map(globToRegExp);
  }
  matches(path: string): boolean {
    return this.res.some((r) => r.test(path));
  }
}

type Readings = Map<string, Map<string, { data: Record<string, unknown>; context: Record<string, unknown> }>>;

/** type → subtype → data/context of a (schema-checked) snapshot document; first occurrence wins. */
function readingsOf(doc: Record<string, unknown>): Readings {
  const out: Readings = new Map();
  for (const m of (doc.measurements as unknown[] | null | undefined) ?? []) {
    if (!isPlainObject(m) || typeof m.type !== 'string') continue;
    const subs = out.get(m.type) ?? new Map();
    if (!out.has(m.type)) out.set(m.type, subs);
    for (const s of (m.subtypes as unknown[] | null | undefined) ?? []) {
      if (!isPlainObject(s)) continue;
      const name = typeof s.subtype === 'string' ? s.subtype : '';
      if (subs.has(name)) continue;
      subs.set(name, {
        data: isPlainObject(s.data) ? s.data : {},
        context: isPlainObject(s.context) ? s.context : {},
      });
    }
  }
  return out;
}

/** Tree for the path resolver: type → subtype → key. */
function resolverTree(r: Readings): Record<string, unknown> {
  const tree: Record<string, unknown> = Object.create(null);
  for (const [type, subs] of r) {
    const st: Record<string, unknown> = Object.create(null);
    for (const [name, { data }] of subs) st[name] = data;
    tree[type] = st;
  }
  return tree;
}

const childrenOf = (node: unknown) => (isPlainObject(node) ? node : undefined);

/** `Type.subtype.key`, or the quoted reading when the plain path reads more than one way there. */
function readingPath(tree: Record<string, unknown>, names: [string, string, string]): string {
  const plain = names.join('.');
  const r = resolvePath(tree, plain, childrenOf, { depth: 3 });
  return r.kind === 'found' ? plain : describeReading(names);
}

function union<T>(a: Iterable<T>, b: Iterable<T>): T[] {
  return [...new Set([...a, ...b])];
}

function compareMaps(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  pathOf: (k: string) => string,
  out: Change[],
): void {
  const has = (o: Record<string, unknown>, k: string) =>
    Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
  for (const k of union(Object.keys(a), Object.keys(b))) {
    const inA = has(a, k);
    const inB = has(b, k);
    if (inA && inB) {
      if (!jsonEqual(a[k], b[k])) out.push({ path: pathOf(k), change: 'changed', old: a[k], new: b[k] });
    } else if (inA) out.push({ path: pathOf(k), change: 'removed', old: a[k] });
    else if (inB) out.push({ path: pathOf(k), change: 'added', new: b[k] });
  }
}

/** Reading-level changes between two snapshot documents, in CURRENT's order (then BASELINE-only). */
export function snapshotChanges(a: Record<string, unknown>, b: Record<string, unknown>): Change[] {
  const out: Change[] = [];
  for (const f of ['kind', 'apiVersion']) {
    compareMaps({ [f]: a[f] }, { [f]: b[f] }, () => f, out);
  }
  compareMaps(
    isPlainObject(a.metadata) ? a.metadata : {},
    isPlainObject(b.metadata) ? b.metadata : {},
    (k) => `metadata.${k}`,
    out,
  );
  const ra = readingsOf(a);
  const rb = readingsOf(b);
  const ta = resolverTree(ra);
  const tb = resolverTree(rb);
  for (const type of union(rb.keys(), ra.keys())) {
    const sa = ra.get(type) ?? new Map();
    const sb = rb.get(type) ?? new Map();
    for (const sub of union(sb.keys(), sa.keys())) {
      const da = sa.get(sub) ?? { data: {}, context: {} };
      const db = sb.get(sub) ?? { data: {}, context: {} };
      compareMaps(
        da.data,
        db.data,
        (k) => readingPath(Object.prototype.hasOwnProperty.call(db.data, k) ? tb : ta, [type, sub, k]),
        out,
      );
      compareMaps(da.context, db.context, (k) => `${type}.${sub}[context].${k}`, out);
    }
  }
  return out;
}

function itemKey(a: unknown[], b: unknown[]): string | undefined {
  if (a.length === 0 && b.length === 0) return undefined;
  return uniqueStringField(a, b, ['name', 'type', 'subtype', 'id', 'path', 'node']);
}

function genericInto(a: unknown, b: unknown, path: string, out: Change[]): void {
  if (jsonEqual(a, b)) return;
  const join = (k: string) => (path ? `${path}.${k}` : k);
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of union(Object.keys(a), Object.keys(b))) {
      const inA = a[k] !== undefined && Object.prototype.hasOwnProperty.call(a, k);
      const inB = b[k] !== undefined && Object.prototype.hasOwnProperty.call(b, k);
      if (inA && inB) genericInto(a[k], b[k], join(k), out);
      else if (inA) out.push({ path: join(k), change: 'removed', old: a[k] });
      else if (inB) out.push({ path: join(k), change: 'added', new: b[k] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const f = itemKey(a, b);
    if (f) {
      const ma = new Map(a.map((x) => [(x as Record<string, string>)[f], x]));
      const mb = new Map(b.map((x) => [(x as Record<string, string>)[f], x]));
      for (const k of union(mb.keys(), ma.keys())) {
        const p = `${path}[${k}]`;
        if (ma.has(k) && mb.has(k)) genericInto(ma.get(k), mb.get(k), p, out);
        else if (ma.has(k)) out.push({ path: p, change: 'removed', old: ma.get(k) });
        else out.push({ path: p, change: 'added', new: mb.get(k) });
      }
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i < a.length && i < b.length) genericInto(a[i], b[i], p, out);
      else if (i < a.length) out.push({ path: p, change: 'removed', old: a[i] });
      else out.push({ path: p, change: 'added', new: b[i] });
    }
    return;
  }
  out.push({ path: path || '.', change: 'changed', old: a, new: b });
}

/** Leaf changes between two documents of any other kind. */
export function genericChanges(a: unknown, b: unknown): Change[] {
  const out: Change[] = [];
  genericInto(a, b, '', out);
  return out;
}

/**
 * A snapshot document without the readings (and header fields) that `ignore` matches: what the patch
 * is computed from, so ignored readings never appear in it. The input is not modified.
 */
export function withoutIgnoredReadings(
  doc: Record<string, unknown>,
  ignore: IgnoreSet,
): Record<string, unknown> {
  if (ignore.patterns.length === 0) return doc;
  const out: Record<string, unknown> = { ...doc };
  for (const f of ['kind', 'apiVersion']) if (ignore.matches(f)) delete out[f];
  if (isPlainObject(doc.metadata)) {
    const md: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.metadata)) if (!ignore.matches(`metadata.${k}`)) md[k] = v;
    out.metadata = md;
  }
  if (Array.isArray(doc.measurements)) {
    out.measurements = doc.measurements.map((m) => {
      if (!isPlainObject(m) || !Array.isArray(m.subtypes)) return m;
      return {
        ...m,
        subtypes: m.subtypes.map((s) => {
          if (!isPlainObject(s) || !isPlainObject(s.data)) return s;
          const data: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(s.data)) {
            const names: [string, string, string] = [String(m.type), String(s.subtype ?? ''), k];
            if (!ignore.matches(names.join('.')) && !ignore.matches(describeReading(names))) data[k] = v;
          }
          return { ...s, data };
        }),
      };
    });
  }
  return out;
}

/** Drops leaves whose generic path matches (documents other than snapshots). */
export function withoutIgnoredLeaves(doc: unknown, ignore: IgnoreSet, path = ''): unknown {
  if (ignore.patterns.length === 0) return doc;
  if (isPlainObject(doc)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) {
      const p = path ? `${path}.${k}` : k;
      if (!ignore.matches(p)) out[k] = withoutIgnoredLeaves(v, ignore, p);
    }
    return out;
  }
  return doc;
}

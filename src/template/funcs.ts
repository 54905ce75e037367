/**
 * Template functions: Go's text/template builtins and the Helm / Sprig functions that chart and
 * manifest templates use.
 *
 * Deliberate choices (where Sprig and upstream aicr differ, upstream aicr wins, since the
 * reference manifests were written against it):
 * - `default DEF VAL` gives DEF only when VAL is nil or "" (upstream aicr), NOT for false/0/empty
 *   collections (Sprig). So `false | default true` stays false (`autoTaintNewNodes=false` works).
 * - `nindent`/`indent` indent only non-empty lines (upstream aicr), so blank lines carry no
 *   trailing spaces.
 * - `toYaml` is gopkg.in/yaml.v3 `Marshal` (4-space indent, sequences indented under their key,
 *   sorted keys) without the final newline; "" when the value cannot be marshalled.
 * - `toString` is Go's `%v`; `keys` is sorted (Sprig's is unordered); `lookup` always returns an
 *   empty map (no cluster access at render time, like `helm template`).
 * String functions count UTF-16 units where Go counts bytes; identical for ASCII text.
 */
import { createHash } from 'node:crypto';
import { formatFloat, formatValue, goQuote, sprint, sprintf, sprintln } from './gofmt.js';
import { LimitError, type TemplateLimits } from './limits.js';
import {
  byteLength,
  compareGoStrings,
  goKindName,
  goTypeName,
  isDict,
  isGoInt,
  isNil,
  isTrue,
  mapGet,
  type Dict,
} from './values.js';
import { marshalYaml } from '../io/yaml-emit.js';
// The yaml library, loaded by fromYaml/fromYamlArray only (not at start-up of every bundle).
import { yamlLibrary } from '../io/document-yaml.js';

/** Parameter types checked before a call (Go converts arguments to the function's types). */
export type ParamType = 'any' | 'string' | 'int' | 'float' | 'bool' | 'list' | 'map';

/** What a function can reach of the running template. */
export interface FuncContext {
  /** Render a named template to a string (Helm `include`). */
  include(name: string, data: unknown): string;
  /** Render template text with the current definitions (Helm `tpl`). */
  tpl(text: string, data: unknown): string;
  /** Go text/template semantics rather than Helm-style lenience. */
  readonly strict: boolean;
  /** Bounds of the running execution (functions check sizes before building large values). */
  readonly limits: TemplateLimits;
}

function tooBig(c: FuncContext, fn: string, n: number): void {
  if (n > c.limits.maxValue)
    throw new LimitError(`${fn} would return ${n} characters, more than the limit of ${c.limits.maxValue}`);
}

/** Sets `k` as an own, enumerable property (also for `__proto__`): data never reaches a prototype. */
function putKey(d: Dict, k: string, v: unknown): void {
  Object.defineProperty(d, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** A map for template data: no prototype, so no inherited property can be read through it. */
function newDict(): Dict {
  return Object.create(null) as Dict;
}

export interface FuncSpec {
  params: ParamType[];
  variadic?: ParamType;
  fn: (ctx: FuncContext, ...args: any[]) => unknown;
}

/** A function failure; the executor reports it as `error calling NAME: message` (or bare). */
export class FuncError extends Error {
  constructor(
    message: string,
    /** Report the message alone (for `required` and `fail`, whose message is the user's). */
    readonly bare = false,
  ) {
    super(message);
    this.name = 'FuncError';
  }
}

/** A user-supplied function: called with the evaluated arguments, unchecked. */
export type TemplateFunction = (...args: any[]) => unknown;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Sprig's `strval`: strings as is, anything else through `%v`. */
function strval(v: unknown): string {
  return typeof v === 'string' ? v : formatValue(v);
}

/** Sprig's `strslice`: a list's non-nil elements as strings; a scalar as a one-element list. */
function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((e) => !isNil(e)).map(strval);
  if (isNil(v)) return [];
  return [strval(v)];
}

/** spf13/cast `ToInt64` as Sprig uses it (bad input → 0). */
function toInt64(v: unknown): number {
  if (isNil(v)) return 0;
  switch (typeof v) {
    case 'boolean':
      return v ? 1 : 0;
    case 'bigint':
      return Number(v);
    case 'number':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'string': {
      let s = v;
      // cast's trimZeroDecimal: "12.000" → "12"
      const m = /^([+-]?\d+)\.0*$/.exec(s);
      if (m) s = m[1]!;
      return parseGoIntBase0(s) ?? 0;
    }
    default:
      break;
  }
  return 0;
}

function parseGoIntBase0(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  let body = m[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const v = Number(BigInt(body.replace(/^0([XOB])/, (_x, p: string) => '0' + p.toLowerCase())));
  return m[1] === '-' ? -v : v;
}

/** spf13/cast `ToFloat64` (bad input → 0). */
function toFloat64(v: unknown): number {
  if (isNil(v)) return 0;
  switch (typeof v) {
    case 'boolean':
      return v ? 1 : 0;
    case 'bigint':
      return Number(v);
    case 'number':
      return v;
    case 'string': {
      const s = v.trim() === v ? v : '';
      if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
      if (/^[+-]?nan$/i.test(s)) return NaN;
      if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(s)) return 0;
      return Number(s.replace(/_/g, ''));
    }
    default:
      break;
  }
  return 0;
}

function checkInt(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new FuncError(`${what}: not a finite number`);
  return v;
}

/** Sprig's `empty`. */
export function isEmpty(v: unknown): boolean {
  return !isTrue(v);
}

/** Indent every non-empty line by `n` spaces. */
function indentLines(n: number, s: string): string {
  const pad = ' '.repeat(Math.max(n, 0));
  return s
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/** Go's `encoding/json` Marshal for plain data: sorted keys, HTML-safe escaping. */
export function goJson(v: unknown, indent = ''): string {
  const norm = (x: unknown): unknown => {
    if (isNil(x)) return null;
    if (typeof x === 'bigint') return Number(x);
    if (typeof x === 'number' && !Number.isFinite(x)) {
      throw new FuncError(`json: unsupported value: ${formatValue(x)}`);
    }
    if (typeof x === 'function') throw new FuncError('json: unsupported type: func');
    if (Array.isArray(x)) return x.map(norm);
    if (isDict(x)) {
      const out: Dict = newDict();
      for (const k of Object.keys(x).sort(compareGoStrings)) putKey(out, k, norm(x[k]));
      return out;
    }
    return x;
  };
  const text = JSON.stringify(norm(v), null, indent || undefined) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) =>
    c === '<'
      ? '&lt;'
      : c === '>'
        ? '&gt;'
        : c === '&'
          ? '&amp;'
          : c === "'"
            ? '&#39;'
            : c === '"'
              ? '&#34;'
              : '\uFFFD',
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '<':
        out += '\\u003C';
        break;
      case '>':
        out += '\\u003E';
        break;
      case '&':
        out += '\\u0026';
        break;
      case '=':
        out += '\\u003D';
        break;
      case '\n':
        out += '\\u000A';
        break;
      case '\r':
        out += '\\u000D';
        break;
      case '\t':
        out += '\\u0009';
        break;
      default:
        out += cp < 0x20 ? '\\u' + cp.toString(16).toUpperCase().padStart(4, '0') : ch;
    }
  }
  return out;
}

/** Go's `url.QueryEscape`. */
function queryEscape(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

/** Arguments of html/js/urlquery: one string as is, otherwise `fmt.Sprint`. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (isNil(a) ? '<no value>' : a)));
}

// ---------------------------------------------------------------------------------------------
// Comparison builtins (Go text/template funcs.go)

type BasicKind = 'invalid' | 'bool' | 'number' | 'string' | 'other';

function basicKind(v: unknown): BasicKind {
  if (isNil(v)) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      break;
  }
  return 'other';
}

function numeric(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

function incompatible(a: unknown, b: unknown): FuncError {
  return new FuncError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
}

export function goEq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 === 'invalid' || k2 === 'invalid') {
      truth = k1 === k2;
    } else if (k1 !== k2) {
      throw incompatible(a, b);
    } else if (k1 === 'other') {
      const bad = Array.isArray(a) || isDict(a) ? a : b;
      throw new FuncError(`non-comparable type ${formatValue(bad)}: ${goTypeName(bad)}`);
    } else if (k1 === 'number') {
      truth = numeric(a) === numeric(b);
    } else {
      truth = a === b;
    }
    if (truth) return true;
  }
  return false;
}

export function goLt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') {
    throw new FuncError('invalid type for comparison');
  }
  if (k1 !== k2) throw incompatible(a, b);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  if (k1 === 'number') return numeric(a) < numeric(b);
  return compareGoStrings(a as string, b as string) < 0;
}

// ---------------------------------------------------------------------------------------------
// index / slice / len

function indexArg(index: unknown, len: number): number {
  if (isNil(index)) throw new FuncError('cannot index slice/array with nil');
  if (typeof index === 'bigint') index = Number(index);
  if (typeof index !== 'number' || !isGoInt(index)) {
    throw new FuncError(`cannot index slice/array with type ${goTypeName(index)}`);
  }
  if (index < 0 || index >= len) throw new FuncError(`index out of range: ${index}`);
  return index;
}

function goIndex(ctx: FuncContext, item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) {
    if (!ctx.strict) return null;
    throw new FuncError('index of untyped nil');
  }
  for (const index of indexes) {
    if (isNil(item)) {
      if (!ctx.strict) return null;
      throw new FuncError('index of nil pointer');
    }
    if (typeof item === 'string') {
      const bytes = Buffer.from(item, 'utf8');
      item = bytes[indexArg(index, bytes.length)]!;
    } else if (Array.isArray(item)) {
      item = item[indexArg(index, item.length)] ?? null;
    } else if (isDict(item)) {
      if (isNil(index)) throw new FuncError('value is nil; should be of type string');
      if (typeof index !== 'string')
        throw new FuncError(`value has type ${goTypeName(index)}; should be string`);
      const v = mapGet(item, index);
      item = v === undefined ? null : v;
    } else {
      throw new FuncError(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function goSlice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = item.length;
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len];
  indexes.forEach((x, i) => {
    if (typeof x === 'bigint') x = Number(x);
    if (typeof x !== 'number' || !isGoInt(x))
      throw new FuncError(`cannot index slice/array with type ${goTypeName(x)}`);
    if (x < 0 || x > len) throw new FuncError(`index out of range: ${x}`);
    idx[i] = x;
  });
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  return typeof item === 'string' ? item.slice(idx[0], idx[1]) : (item as unknown[]).slice(idx[0], idx[1]);
}

function goLen(item: unknown): number {
  if (isNil(item)) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (isDict(item)) return Object.keys(item).length;
  throw new FuncError(`len of type ${goTypeName(item)}`);
}

// ---------------------------------------------------------------------------------------------
// The table

/** Go's spelling of a number in yaml.v3 output: integers below 2^63 as integers, others `%g`. */
function goYamlNumber(v: number): string {
  if (isGoInt(v)) return String(v);
  if (Number.isNaN(v)) return '.nan';
  if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
  return formatFloat(v, 'g', -1);
}

/** `yaml.Marshal` of gopkg.in/yaml.v3 for template values (aicr's one YAML writer, yaml.v3 profile). */
export function marshalYamlV3(value: unknown, options: { indent?: number } = {}): string {
  return marshalYaml(value, { indent: options.indent, formatNumber: goYamlNumber });
}

const any1 = (fn: (v: any) => unknown): FuncSpec => ({ params: ['any'], fn: (_c, v) => fn(v) });
const str1 = (fn: (s: string) => unknown): FuncSpec => ({ params: ['string'], fn: (_c, s) => fn(s) });
const str2 = (fn: (a: string, b: string) => unknown): FuncSpec => ({
  params: ['string', 'string'],
  fn: (_c, a, b) => fn(a, b),
});

function titleCase(s: string): string {
  // strings.Title: upper-case the first letter of each word
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function dictOf(args: unknown[]): Dict {
  const out: Dict = newDict();
  for (let i = 0; i < args.length; i += 2) {
    const key = strval(args[i]);
    putKey(out, key, i + 1 < args.length ? args[i + 1] : '');
  }
  return out;
}

function requireList(v: unknown, fn: string): unknown[] {
  if (isNil(v)) return [];
  if (!Array.isArray(v)) throw new FuncError(`Cannot find ${fn} on type ${goTypeName(v)}`);
  return v;
}

export const BUILTINS: Record<string, FuncSpec> = {
  // ---- Go text/template builtins (and/or are special-cased by the executor) ----
  and: { params: ['any'], variadic: 'any', fn: () => undefined },
  or: { params: ['any'], variadic: 'any', fn: () => undefined },
  not: any1((v) => !isTrue(v)),
  len: any1(goLen),
  index: { params: ['any'], variadic: 'any', fn: (c, item, ...ix) => goIndex(c, item, ...ix) },
  slice: { params: ['any'], variadic: 'any', fn: (_c, item, ...ix) => goSlice(item, ...ix) },
  print: { params: [], variadic: 'any', fn: (_c, ...a) => sprint(a) },
  printf: {
    params: ['string'],
    variadic: 'any',
    fn: (c, f, ...a) => {
      const out = sprintf(f, a, c.limits.maxValue);
      if (out === undefined) tooBig(c, 'printf', c.limits.maxValue + 1);
      return out;
    },
  },
  println: { params: [], variadic: 'any', fn: (_c, ...a) => sprintln(a) },
  eq: { params: ['any'], variadic: 'any', fn: (_c, a, ...b) => goEq(a, ...b) },
  ne: { params: ['any', 'any'], fn: (_c, a, b) => !goEq(a, b) },
  lt: { params: ['any', 'any'], fn: (_c, a, b) => goLt(a, b) },
  le: { params: ['any', 'any'], fn: (_c, a, b) => goLt(a, b) || goEq(a, b) },
  gt: { params: ['any', 'any'], fn: (_c, a, b) => !(goLt(a, b) || goEq(a, b)) },
  ge: { params: ['any', 'any'], fn: (_c, a, b) => !goLt(a, b) },
  html: { params: [], variadic: 'any', fn: (_c, ...a) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: 'any', fn: (_c, ...a) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: 'any', fn: (_c, ...a) => queryEscape(evalArgs(a)) },
  call: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, f, ...a) => {
      if (typeof f !== 'function') throw new FuncError(`non-function of type ${goTypeName(f)}`);
      return f(...a);
    },
  },

  // ---- Helm ----
  include: { params: ['string', 'any'], fn: (c, name, data) => c.include(name, data) },
  tpl: { params: ['string', 'any'], fn: (c, text, data) => c.tpl(text, data) },
  required: {
    params: ['string', 'any'],
    fn: (_c, msg, val) => {
      if (isNil(val) || val === '') throw new FuncError(msg, true);
      return val;
    },
  },
  fail: {
    params: ['string'],
    fn: (_c, msg) => {
      throw new FuncError(msg, true);
    },
  },
  lookup: { params: ['string', 'string', 'string', 'string'], fn: () => ({}) },
  toYaml: any1((v) => {
    try {
      return marshalYamlV3(v).replace(/\n$/, '');
    } catch {
      return '';
    }
  }),
  fromYaml: str1((s) => {
    try {
      const v: unknown = yamlLibrary().parse(s);
      if (isNil(v)) return {};
      if (!isDict(v)) return { Error: `error unmarshaling JSON: cannot unmarshal ${goTypeName(v)} into map` };
      return v;
    } catch (e) {
      return { Error: (e as Error).message };
    }
  }),
  fromYamlArray: str1((s) => {
    try {
      const v: unknown = yamlLibrary().parse(s);
      if (isNil(v)) return [];
      if (!Array.isArray(v)) return [`error unmarshaling JSON: cannot unmarshal ${goTypeName(v)} into list`];
      return v;
    } catch (e) {
      return [(e as Error).message];
    }
  }),
  toJson: any1((v) => {
    try {
      return goJson(v);
    } catch {
      return '';
    }
  }),
  toPrettyJson: any1((v) => {
    try {
      return goJson(v, '  ');
    } catch {
      return '';
    }
  }),
  fromJson: str1((s) => {
    try {
      return JSON.parse(s) as unknown;
    } catch (e) {
      return { Error: (e as Error).message };
    }
  }),
  nindent: {
    params: ['int', 'string'],
    fn: (c, n: number, s: string) => {
      tooBig(c, 'nindent', s.length + 1 + Math.max(n, 0) * s.split('\n').length);
      return '\n' + indentLines(n, s);
    },
  },
  indent: {
    params: ['int', 'string'],
    fn: (c, n: number, s: string) => {
      tooBig(c, 'indent', s.length + Math.max(n, 0) * s.split('\n').length);
      return indentLines(n, s);
    },
  },

  // ---- Sprig: defaults and logic ----
  default: {
    params: ['any', 'any'],
    fn: (_c, def, val) => (isNil(val) || val === '' ? def : val),
  },
  empty: any1(isEmpty),
  coalesce: { params: [], variadic: 'any', fn: (_c, ...a) => a.find((v) => !isEmpty(v)) ?? null },
  ternary: { params: ['any', 'any', 'bool'], fn: (_c, vt, vf, cond) => (cond ? vt : vf) },
  toString: any1(strval),
  toStrings: any1((v) => strslice(v)),
  kindOf: any1(goKindName),
  kindIs: { params: ['string', 'any'], fn: (_c, k, v) => goKindName(v) === k },
  typeOf: any1(goTypeName),
  typeIs: { params: ['string', 'any'], fn: (_c, t, v) => goTypeName(v) === t },

  // ---- Sprig: strings ----
  quote: {
    params: [],
    variadic: 'any',
    fn: (_c, ...a) =>
      a
        .filter((v) => !isNil(v))
        .map((v) => goQuote(strval(v)))
        .join(' '),
  },
  squote: {
    params: [],
    variadic: 'any',
    fn: (_c, ...a) =>
      a
        .filter((v) => !isNil(v))
        .map((v) => `'${formatValue(v)}'`)
        .join(' '),
  },
  upper: str1((s) => s.toUpperCase()),
  lower: str1((s) => s.toLowerCase()),
  title: str1(titleCase),
  trim: str1((s) => s.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, '')),
  trimAll: str2((cutset, s) => {
    const set = new Set([...cutset]);
    const chars = [...s];
    let a = 0;
    let b = chars.length;
    while (a < b && set.has(chars[a]!)) a++;
    while (b > a && set.has(chars[b - 1]!)) b--;
    return chars.slice(a, b).join('');
  }),
  trimPrefix: str2((prefix, s) => (prefix !== '' && s.startsWith(prefix) ? s.slice(prefix.length) : s)),
  trimSuffix: str2((suffix, s) =>
    suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s,
  ),
  replace: {
    params: ['string', 'string', 'string'],
    fn: (c, old: string, neu: string, src: string) => {
      const count = old === '' ? [...src].length + 1 : src.split(old).length - 1;
      tooBig(c, 'replace', src.length + count * (neu.length - old.length));
      if (old === '') {
        // strings.Replace with empty old inserts `neu` around every character
        return neu + [...src].join(neu) + (src === '' ? '' : neu);
      }
      return src.split(old).join(neu);
    },
  },
  contains: str2((sub, s) => s.includes(sub)),
  hasPrefix: str2((p, s) => s.startsWith(p)),
  hasSuffix: str2((p, s) => s.endsWith(p)),
  repeat: {
    params: ['int', 'string'],
    fn: (c, n: number, s: string) => {
      if (n < 0) throw new FuncError('strings: negative Repeat count');
      tooBig(c, 'repeat', n * s.length);
      return s.repeat(n);
    },
  },
  substr: {
    params: ['int', 'int', 'string'],
    fn: (_c, start: number, end: number, s: string) => {
      if (start < 0) return s.slice(0, end);
      if (end < 0 || end > s.length) return s.slice(start);
      return s.slice(start, end);
    },
  },
  trunc: {
    params: ['int', 'string'],
    fn: (_c, c: number, s: string) => {
      if (c < 0 && s.length + c > 0) return s.slice(s.length + c);
      if (c >= 0 && s.length > c) return s.slice(0, c);
      return s;
    },
  },
  nospace: str1((s) => s.replace(/\s/gu, '')),
  cat: {
    params: [],
    variadic: 'any',
    fn: (_c, ...a) =>
      a
        .filter((v) => !isNil(v))
        .map(strval)
        .join(' '),
  },
  join: { params: ['string', 'any'], fn: (_c, sep: string, v) => strslice(v).join(sep) },
  split: {
    params: ['string', 'string'],
    fn: (_c, sep: string, s: string) => {
      const out: Dict = newDict();
      goSplit(s, sep).forEach((p, i) => putKey(out, `_${i}`, p));
      return out;
    },
  },
  splitList: { params: ['string', 'string'], fn: (_c, sep: string, s: string) => goSplit(s, sep) },
  splitn: {
    params: ['string', 'int', 'string'],
    fn: (_c, sep: string, n: number, s: string) => {
      const parts = goSplit(s, sep);
      const out: Dict = newDict();
      const limited =
        n < 0 || parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
      if (n !== 0) limited.forEach((p, i) => putKey(out, `_${i}`, p));
      return out;
    },
  },
  b64enc: str1((s) => Buffer.from(s, 'utf8').toString('base64')),
  b64dec: str1((s) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return 'illegal base64 data at input byte 0';
    return Buffer.from(s, 'base64').toString('utf8');
  }),
  sha256sum: str1((s) => createHash('sha256').update(s, 'utf8').digest('hex')),
  sha1sum: str1((s) => createHash('sha1').update(s, 'utf8').digest('hex')),

  // ---- Sprig: numbers ----
  int: any1(toInt64),
  int64: any1(toInt64),
  float64: any1(toFloat64),
  atoi: str1((s) => (/^[+-]?\d+$/.test(s) ? Number(s) : 0)),
  add: { params: [], variadic: 'any', fn: (_c, ...a) => a.reduce<number>((sum, v) => sum + toInt64(v), 0) },
  add1: any1((v) => toInt64(v) + 1),
  sub: { params: ['any', 'any'], fn: (_c, a, b) => toInt64(a) - toInt64(b) },
  mul: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((p, v) => p * toInt64(v), toInt64(a)),
  },
  div: {
    params: ['any', 'any'],
    fn: (_c, a, b) => {
      const d = toInt64(b);
      if (d === 0) throw new FuncError('runtime error: integer divide by zero');
      return Math.trunc(toInt64(a) / d);
    },
  },
  mod: {
    params: ['any', 'any'],
    fn: (_c, a, b) => {
      const d = toInt64(b);
      if (d === 0) throw new FuncError('runtime error: integer divide by zero');
      return toInt64(a) % d;
    },
  },
  max: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((m, v) => Math.max(m, toInt64(v)), toInt64(a)),
  },
  min: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((m, v) => Math.min(m, toInt64(v)), toInt64(a)),
  },
  addf: { params: [], variadic: 'any', fn: (_c, ...a) => a.reduce<number>((s, v) => s + toFloat64(v), 0) },
  subf: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((s, v) => s - toFloat64(v), toFloat64(a)),
  },
  mulf: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((s, v) => s * toFloat64(v), toFloat64(a)),
  },
  divf: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, a, ...r) => r.reduce<number>((s, v) => s / toFloat64(v), toFloat64(a)),
  },
  until: {
    params: ['int'],
    fn: (c, n: number) => {
      checkInt(n, 'until');
      if (Math.abs(n) > c.limits.maxList)
        throw new LimitError(`until ${n} would return more than the limit of ${c.limits.maxList} elements`);
      const out: number[] = [];
      for (let i = 0; n >= 0 ? i < n : i > n; n >= 0 ? i++ : i--) out.push(i);
      return out;
    },
  },

  // ---- Sprig: lists ----
  list: { params: [], variadic: 'any', fn: (_c, ...a) => a },
  first: any1((v) => {
    const l = requireList(v, 'first');
    return l.length ? l[0] : null;
  }),
  last: any1((v) => {
    const l = requireList(v, 'last');
    return l.length ? l[l.length - 1] : null;
  }),
  rest: any1((v) => requireList(v, 'rest').slice(1)),
  initial: any1((v) => requireList(v, 'initial').slice(0, -1)),
  append: { params: ['any', 'any'], fn: (_c, l, v) => [...requireList(l, 'push'), v] },
  push: { params: ['any', 'any'], fn: (_c, l, v) => [...requireList(l, 'push'), v] },
  prepend: { params: ['any', 'any'], fn: (_c, l, v) => [v, ...requireList(l, 'prepend')] },
  concat: { params: [], variadic: 'any', fn: (_c, ...ls) => ls.flatMap((l) => requireList(l, 'concat')) },
  reverse: any1((v) => [...requireList(v, 'reverse')].reverse()),
  uniq: any1((v) => {
    const out: unknown[] = [];
    for (const e of requireList(v, 'uniq')) if (!out.some((o) => deepEqual(o, e))) out.push(e);
    return out;
  }),
  compact: any1((v) => requireList(v, 'compact').filter((e) => !isEmpty(e))),
  has: {
    params: ['any', 'any'],
    fn: (_c, needle, hay) => requireList(hay, 'has').some((e) => deepEqual(e, needle)),
  },
  without: {
    params: ['any'],
    variadic: 'any',
    fn: (_c, l, ...omit) => requireList(l, 'without').filter((e) => !omit.some((o) => deepEqual(o, e))),
  },
  sortAlpha: any1((v) => strslice(v).sort(compareGoStrings)),

  // ---- Sprig: dicts ----
  dict: { params: [], variadic: 'any', fn: (_c, ...a) => dictOf(a) },
  hasKey: {
    params: ['map', 'string'],
    fn: (_c, d: Dict | null, k: string) => !!d && mapGet(d, k) !== undefined,
  },
  keys: {
    params: [],
    variadic: 'map',
    fn: (_c, ...ds: (Dict | null)[]) => ds.flatMap((d) => (d ? Object.keys(d) : [])).sort(compareGoStrings),
  },
  get: {
    params: ['map', 'string'],
    fn: (_c, d: Dict | null, k: string) => {
      const v = d ? mapGet(d, k) : undefined;
      return v === undefined ? '' : v;
    },
  },
  set: {
    params: ['map', 'string', 'any'],
    fn: (_c, d: Dict | null, k: string, v) => {
      const m = d ?? newDict();
      putKey(m, k, v);
      return m;
    },
  },
  unset: {
    params: ['map', 'string'],
    fn: (_c, d: Dict | null, k: string) => {
      const m = d ?? newDict();
      if (Object.prototype.hasOwnProperty.call(m, k)) delete m[k];
      return m;
    },
  },
  pick: {
    params: ['map'],
    variadic: 'string',
    fn: (_c, d: Dict | null, ...ks: string[]) => {
      const out: Dict = newDict();
      for (const k of ks) if (d && mapGet(d, k) !== undefined) putKey(out, k, d[k]);
      return out;
    },
  },
  omit: {
    params: ['map'],
    variadic: 'string',
    fn: (_c, d: Dict | null, ...ks: string[]) => {
      const out: Dict = newDict();
      for (const k of Object.keys(d ?? {})) if (!ks.includes(k)) putKey(out, k, d![k]);
      return out;
    },
  },
  values: {
    params: ['map'],
    fn: (_c, d: Dict | null) =>
      d
        ? Object.keys(d)
            .sort(compareGoStrings)
            .map((k) => d[k])
        : [],
  },
};

/** Go's `strings.Split`. */
function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], mapGet(b, k)));
  }
  return false;
}

/** Names of every built-in function, sorted. */
export function builtinFunctionNames(): string[] {
  return Object.keys(BUILTINS).sort();
}

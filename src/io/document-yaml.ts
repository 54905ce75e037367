/**
 * The YAML reader of src/io/document.ts: a line-based fast path for large block-style YAML (the shape aicr
 * writes) and, for anything outside that subset, the `yaml` library's document model, with the same rules.
 */
import { createRequire } from 'node:module';
import type * as YamlLibrary from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { invalid } from '../errors/index.js';
import { duplicate, exactInt, MAX_ALIAS_NODES, noteText, setOwn, tooDeep } from './document-common.js';
import { MAX_DEPTH } from './limits.js';

/**
 * The `yaml` library, loaded on the first document outside the fast path's subset (decision 15): in the
 * bundle `require` is the launcher's (dist/lib-yaml.cjs with its code cache), from source Node's own.
 */
export function yamlLibrary(): typeof YamlLibrary {
  const load = typeof require === 'function' ? require : createRequire(import.meta.url);
  return load('yaml') as typeof YamlLibrary;
}

/** YAML 1.2 core schema resolution of a plain scalar (as the `yaml` library does it, ints exact). */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Fast exit for the common case: text that starts with a letter other than the keyword initials.
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  const digitish = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
  if (!digitish) return s;
  if (/^[-+]?[0-9]+$/.test(s)) return exactInt(BigInt(s));
  if (/^0o[0-7]+$/.test(s)) return exactInt(BigInt(s));
  if (/^0x[0-9a-fA-F]+$/.test(s)) return exactInt(BigInt(s));
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
  return s;
}

/** A key's string: strings as they are, null as "", any other scalar as written. */
function keyString(value: unknown, sourceText: string): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return sourceText;
}

function noteScalar(container: object, key: string | number, v: unknown, text: string): void {
  if (v !== null && typeof v !== 'string' && String(v) !== text) noteText(container, key, text);
}

export const BAIL = Symbol('bail');
type Bail = typeof BAIL;

// Characters that may not start a plain scalar in this subset (flow, anchors, tags, block scalars, …).
const PLAIN_START_BAD = new Set([...'[]{},#&*!|>%@`\'"?:-']);
// eslint-disable-next-line no-control-regex
const FAST_REFUSE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f\ufeff]|\r(?!\n)/;

const YAML_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LEN: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Double-quoted scalar on one line (YAML escapes); returns [value, end] or BAIL. */
function readDouble(s: string): [string, number] | Bail {
  let j = 1;
  let out = '';
  for (;;) {
    const q = s.indexOf('"', j);
    const b = s.indexOf('\\', j);
    if (q < 0) return BAIL;
    if (b < 0 || q < b) return [out + s.slice(j, q), q + 1];
    out += s.slice(j, b);
    const e = s[b + 1];
    const n = HEX_LEN[e];
    if (n !== undefined) {
      const hex = s.slice(b + 2, b + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return BAIL;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return BAIL;
      out += String.fromCodePoint(cp);
      j = b + 2 + n;
    } else if (e !== undefined && YAML_ESCAPES[e] !== undefined) {
      out += YAML_ESCAPES[e];
      j = b + 2;
    } else return BAIL;
  }
}

function readSingle(s: string): [string, number] | Bail {
  let j = 1;
  let out = '';
  for (;;) {
    const k = s.indexOf("'", j);
    if (k < 0) return BAIL;
    out += s.slice(j, k);
    if (s[k + 1] === "'") {
      out += "'";
      j = k + 2;
      continue;
    }
    return [out, k + 1];
  }
}

/**
 * YAML white space is space and tab only (JavaScript's trim also removes U+00A0 and other Unicode spaces,
 * which are content in YAML).
 */
const trimYamlStart = (s: string): string => s.replace(/^[ \t]+/, '');
const trimYamlEnd = (s: string): string => s.replace(/[ \t]+$/, '');

/** After a quoted scalar: nothing, or spaces and a comment. */
function restIsEmpty(rest: string): boolean {
  if (rest === '') return true;
  const t = trimYamlStart(rest);
  return t === '' || (t.startsWith('#') && t.length < rest.length);
}

/** A scalar value (the text after `key: ` or `- `), or BAIL for anything outside the subset. */
function readValue(s: string): { v: unknown; text: string } | Bail {
  const c = s[0];
  if (c === '"' || c === "'") {
    const r = c === '"' ? readDouble(s) : readSingle(s);
    if (r === BAIL || !restIsEmpty(s.slice(r[1]))) return BAIL;
    return { v: r[0], text: r[0] };
  }
  const hash = s.indexOf(' #');
  const text = trimYamlEnd(hash >= 0 ? s.slice(0, hash) : s);
  if (text === '[]') return { v: [], text };
  if (text === '{}') return { v: {}, text };
  if (PLAIN_START_BAD.has(c)) return BAIL;
  if (text.includes(': ') || text.endsWith(':')) return BAIL;
  return { v: resolvePlain(text), text };
}

interface KeyLine {
  key: string;
  keyValue: unknown;
  keyText: string;
  /** The value text (no leading spaces), "" when the value is a nested block or null. */
  rest: string;
}

/** `key: value` / `key:`; undefined when the content is not a key line; BAIL outside the subset. */
function readKeyLine(content: string): KeyLine | undefined | Bail {
  let keyValue: unknown;
  let keyText: string;
  let after: string;
  const c = content[0];
  if (c === '"' || c === "'") {
    const r = c === '"' ? readDouble(content) : readSingle(content);
    if (r === BAIL) return BAIL;
    if (content[r[1]] !== ':') return trimYamlStart(content.slice(r[1])) === '' ? undefined : BAIL;
    keyValue = r[0];
    keyText = r[0];
    after = content.slice(r[1] + 1);
  } else {
    let sep = content.indexOf(': ');
    if (sep < 0 && content.endsWith(':')) sep = content.length - 1;
    if (sep < 0) return content.includes(' #') || content.includes(':') ? BAIL : undefined;
    if (PLAIN_START_BAD.has(c)) return BAIL;
    keyText = content.slice(0, sep);
    if (keyText.endsWith(' ') || keyText.includes(' #')) return BAIL;
    keyValue = resolvePlain(keyText);
    after = content.slice(sep + 1);
  }
  if (after !== '' && after[0] !== ' ') return BAIL;
  const rest = trimYamlStart(after);
  return { key: keyString(keyValue, keyText), keyValue, keyText, rest: rest.startsWith('#') ? '' : rest };
}

/** The chomping of a literal block scalar header (`|`, `|-`, `|+`); undefined for any other value. */
function literalHeader(value: string): 'clip' | 'strip' | 'keep' | undefined {
  const t = trimYamlEnd(value);
  return t === '|' ? 'clip' : t === '|-' ? 'strip' : t === '|+' ? 'keep' : undefined;
}

/**
 * The lines of a literal block scalar starting at `pos`, for a node whose parent sits at column
 * `parent`: its value and where the next line starts. BAIL for what the full parser should judge: no
 * content line, a leading blank line longer than the content's indentation, a block that ends the
 * text without a line break.
 */
function readLiteral(
  text: string,
  pos: number,
  parent: number,
  chomp: 'clip' | 'strip' | 'keep',
): { value: string; next: number } | Bail {
  const lines: string[] = [];
  let indent = -1;
  let blanks = 0; // blank lines not yet known to be inside the content
  let longestLeading = 0;
  let p = pos;
  let broke = true;
  while (p < text.length) {
    let end = text.indexOf('\n', p);
    const hasBreak = end >= 0;
    if (end < 0) end = text.length;
    const line = text.slice(p, text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    let sp = 0;
    while (line.charCodeAt(sp) === 0x20) sp++;
    const blank = sp === line.length;
    if (indent < 0) {
      if (!blank && sp <= parent) break;
      if (blank) {
        blanks++;
        longestLeading = Math.max(longestLeading, sp);
      } else {
        indent = sp;
        if (longestLeading > indent) return BAIL;
        for (; blanks > 0; blanks--) lines.push('');
        lines.push(line.slice(indent));
      }
    } else if (blank && sp <= indent) {
      blanks++;
    } else if (sp < indent) {
      break;
    } else {
      for (; blanks > 0; blanks--) lines.push('');
      lines.push(line.slice(indent));
    }
    p = end + 1;
    broke = hasBreak;
  }
  if (indent < 0 || !broke) return BAIL;
  const body = lines.join('\n');
  const value = chomp === 'strip' ? body : chomp === 'clip' ? body + '\n' : body + '\n'.repeat(blanks + 1);
  return { value, next: Math.min(p, text.length) };
}

interface Frame {
  indent: number;
  map?: Record<string, unknown>;
  seq?: unknown[];
  /** A sequence written at the same indentation as its parent key (`key:\n- a`). */
  sameIndent?: boolean;
}

/**
 * Line-based reader for block-style YAML: block maps and lists, plain and one-line quoted scalars,
 * literal block scalars (`|`, `|-`, `|+`), comments. Returns BAIL for anything else (flow
 * collections, anchors, tags, folded scalars, indentation indicators, multi-line plain or quoted
 * scalars, tabs, duplicate keys, deep nesting …) so that the full parser decides.
 */
export function fastYaml(text: string): unknown {
  if (FAST_REFUSE.test(text)) return BAIL;
  const stack: Frame[] = [];
  let pending:
    | {
        container: Record<string, unknown> | unknown[];
        key: string | number;
        indent: number;
        seqItem: boolean;
      }
    | undefined;
  let seenContent = false;
  let seenStart = false;
  let root: unknown = BAIL;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    // CRLF line ends are line ends (a lone CR was refused above).
    const line = text.slice(pos, text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    pos = end + 1;
    let indent = 0;
    while (line.charCodeAt(indent) === 0x20) indent++;
    if (indent === line.length || line.charCodeAt(indent) === 0x23) continue;
    if (indent === 0) {
      if (line.startsWith('---')) {
        // One document start at most: a second one makes a stream of documents (the parser refuses it).
        if (seenContent || seenStart || trimYamlStart(line.slice(3)) !== '') return BAIL;
        seenStart = true;
        continue;
      }
      if (line.startsWith('...') || line.startsWith('%')) return BAIL;
    }
    seenContent = true;
    let content = line.slice(indent);
    const isItem = content === '-' || content.startsWith('- ');

    if (pending) {
      const p = pending;
      pending = undefined;
      if (indent > p.indent || (indent === p.indent && isItem && !p.seqItem)) {
        if (stack.length >= MAX_DEPTH) return BAIL;
        const frame: Frame = { indent };
        if (isItem) frame.seq = [];
        else frame.map = {};
        if (indent === p.indent) frame.sameIndent = true;
        const v = frame.seq ?? frame.map;
        if (Array.isArray(p.container)) p.container[p.key as number] = v;
        else setOwn(p.container, p.key as string, v);
        stack.push(frame);
      }
    }
    if (stack.length === 0) {
      if (root !== BAIL) return BAIL;
      const frame: Frame = { indent };
      if (isItem) frame.seq = [];
      else frame.map = {};
      root = frame.seq ?? frame.map;
      stack.push(frame);
    }
    for (;;) {
      const top = stack[stack.length - 1];
      if (top.indent > indent || (top.sameIndent && top.indent === indent && !isItem)) {
        stack.pop();
        if (stack.length === 0) return BAIL;
      } else break;
    }
    let top = stack[stack.length - 1];
    if (top.indent !== indent) return BAIL;

    if (top.seq) {
      if (!isItem) return BAIL;
      const seq = top.seq;
      let k = 1;
      while (content.charCodeAt(k) === 0x20) k++;
      const rest = content.slice(k);
      if (rest === '' || rest.startsWith('#')) {
        seq.push(null);
        pending = { container: seq, key: seq.length - 1, indent, seqItem: true };
        continue;
      }
      if (rest === '-' || rest.startsWith('- ')) return BAIL;
      const kl = readKeyLine(rest);
      if (kl === BAIL) return BAIL;
      if (kl === undefined) {
        const chomp = literalHeader(rest);
        if (chomp !== undefined) {
          const lit = readLiteral(text, pos, indent, chomp);
          if (lit === BAIL) return BAIL;
          seq.push(lit.value);
          pos = lit.next;
          continue;
        }
        const r = readValue(rest);
        if (r === BAIL) return BAIL;
        seq.push(r.v);
        noteScalar(seq, seq.length - 1, r.v, r.text);
        continue;
      }
      // `- key: value` opens a map whose keys sit at the column of the first key.
      if (stack.length >= MAX_DEPTH) return BAIL;
      const map: Record<string, unknown> = {};
      seq.push(map);
      indent += k;
      stack.push((top = { indent, map }));
      content = rest;
    } else if (isItem) return BAIL;
    const kl = readKeyLine(content);
    if (kl === BAIL || kl === undefined) return BAIL;
    const map = top.map!;
    if (Object.prototype.hasOwnProperty.call(map, kl.key)) return BAIL; // the full parser names both lines
    if (kl.rest === '') {
      setOwn(map, kl.key, null);
      pending = { container: map, key: kl.key, indent, seqItem: false };
      continue;
    }
    const chomp = literalHeader(kl.rest);
    if (chomp !== undefined) {
      const lit = readLiteral(text, pos, indent, chomp);
      if (lit === BAIL) return BAIL;
      setOwn(map, kl.key, lit.value);
      pos = lit.next;
      continue;
    }
    const r = readValue(kl.rest);
    if (r === BAIL) return BAIL;
    setOwn(map, kl.key, r.v);
    noteScalar(map, kl.key, r.v, r.text);
  }
  return root;
}

/** Full YAML through the `yaml` library's document model, with the shared rules applied. */
export function slowYaml(text: string, source: string): unknown {
  const { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument: parseYamlDocument } = yamlLibrary();
  const lc = new LineCounter();
  let doc;
  try {
    doc = parseYamlDocument(text, { intAsBigInt: true, uniqueKeys: false, lineCounter: lc });
  } catch (err) {
    if (err instanceof RangeError) tooDeep(source, 1);
    throw invalid(`${source}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const first = doc.errors[0];
  // The library reports its own stack overflow (deep flow collections) as a parse error.
  if (first && /Maximum call stack size exceeded/.test(first.message))
    tooDeep(source, first.linePos?.[0]?.line ?? 1);
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    throw invalid(
      `${source}: invalid YAML: ${where}${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined): number =>
    n?.range ? lc.linePos(n.range[0]).line : 0;
  const sizes = new Map<YamlNode, number>();
  const inProgress = new Set<YamlNode>();
  let aliasNodes = 0;
  const sizeOf = (n: unknown): number => {
    if (!n || typeof n !== 'object') return 1;
    const node = n as YamlNode;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (inProgress.has(node)) {
      throw invalid(
        `${source}: line ${lineOf(node)}: an alias refers to a collection that contains it (a cycle)`,
      );
    }
    inProgress.add(node);
    let s = 1;
    if (isAlias(node)) {
      const t = node.resolve(doc);
      s = t ? sizeOf(t) : 1;
    } else if (isMap(node)) for (const p of node.items) s += sizeOf(p.key) + sizeOf(p.value);
    else if (isSeq(node)) for (const x of node.items) s += sizeOf(x);
    inProgress.delete(node);
    sizes.set(node, s);
    return s;
  };
  const walk = (
    node: unknown,
    depth: number,
    container: object | undefined,
    key: string | number,
  ): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        throw invalid(`${source}: invalid YAML: line ${lineOf(node)}: unresolved alias *${node.source}`);
      }
      aliasNodes += sizeOf(target);
      if (aliasNodes > MAX_ALIAS_NODES) {
        throw invalid(
          `${source}: line ${lineOf(node)}: aliases expand to more than ${MAX_ALIAS_NODES} nodes (the limit)`,
        );
      }
      // A fresh copy for every alias (bounded by the budget above): no two places share one object.
      return walk(target, depth, container, key);
    }
    if (isScalar(node)) {
      let v = node.value;
      if (typeof v === 'bigint') v = exactInt(v);
      if (container && typeof node.source === 'string') noteScalar(container, key, v, node.source);
      return v;
    }
    if (isMap(node) || isSeq(node)) {
      if (depth >= MAX_DEPTH) tooDeep(source, lineOf(node as YamlNode));
    }
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      const lines = new Map<string, number>();
      for (const pair of node.items) {
        let k: string;
        const kn = pair.key as unknown;
        if (kn === null || kn === undefined) k = '';
        else if (isScalar(kn)) {
          let kv = kn.value;
          if (typeof kv === 'bigint') kv = exactInt(kv);
          k = keyString(kv, typeof kn.source === 'string' ? kn.source : String(kv));
        } else if (isAlias(kn)) {
          const t = kn.resolve(doc);
          if (!t || !isScalar(t)) {
            throw invalid(`${source}: line ${lineOf(kn)}: mapping keys must be scalars (strings, numbers)`);
          }
          k = keyString(t.value, typeof t.source === 'string' ? t.source : String(t.value));
        } else {
          throw invalid(
            `${source}: line ${lineOf(kn as YamlNode)}: mapping keys must be scalars (strings, numbers)`,
          );
        }
        const line = lineOf(kn as YamlNode) || lineOf(pair.value as YamlNode);
        const prev = lines.get(k);
        if (prev !== undefined) duplicate(source, k, line, prev);
        lines.set(k, line);
        setOwn(obj, k, walk(pair.value, depth + 1, obj, k));
      }
      return obj;
    }
    if (isSeq(node)) {
      const arr: unknown[] = [];
      node.items.forEach((x, n) => arr.push(walk(x, depth + 1, arr, n)));
      return arr;
    }
    return null;
  };
  try {
    return walk(doc.contents, 0, undefined, 0);
  } catch (err) {
    if (err instanceof RangeError) tooDeep(source, 1);
    throw err;
  }
}

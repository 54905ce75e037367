/** The strict JSON reader of src/io/document.ts: duplicate keys and deep nesting refused, number text kept. */
import { invalid } from '../errors/index.js';
import { duplicate, exactInt, noteText, setOwn, tooDeep } from './document-common.js';
import { MAX_DEPTH } from './limits.js';

class JsonFail {
  constructor(readonly at: number) {}
}

const NUM_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;

/** A JSON parser that refuses duplicate keys and deep nesting and keeps number text. */
export function parseJson(text: string, source: string): unknown {
  let i = 0;
  // Keys come in order, so an incremental line counter keeps key positions linear in the text.
  let lineOffset = 0;
  let lineNo = 1;
  const lineOf = (offset: number): number => {
    if (offset < lineOffset) {
      lineOffset = 0;
      lineNo = 1;
    }
    for (let j = text.indexOf('\n', lineOffset); j >= 0 && j < offset; j = text.indexOf('\n', j + 1)) {
      lineNo++;
      lineOffset = j + 1;
    }
    return lineNo;
  };
  const fail = (): never => {
    throw new JsonFail(i);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) i++;
      else return;
    }
  };
  const str = (): string => {
    const start = ++i;
    // Fast path: no escape before the closing quote and no control character in between.
    const close = text.indexOf('"', start);
    if (close >= 0) {
      const raw = text.slice(start, close);
      // eslint-disable-next-line no-control-regex
      if (!/[\\\u0000-\u001f]/.test(raw)) {
        i = close + 1;
        return raw;
      }
    }
    let escaped = false;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail();
      if (c !== 0x5c) {
        i++;
        continue;
      }
      escaped = true;
      i++;
      if (text[i] === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
        i += 5;
      } else if (i < text.length && '"\\/bfnrt'.includes(text[i])) i++;
      else fail();
    }
    const raw = text.slice(start, i);
    i++;
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  };
  const value = (depth: number, container: object | undefined, key: string | number): unknown => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) tooDeep(source, lineOf(i));
      const isObj = c === '{';
      const close = isObj ? '}' : ']';
      const obj: Record<string, unknown> = {};
      const arr: unknown[] = [];
      const lines = new Map<string, number>();
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return isObj ? obj : arr;
      }
      for (let n = 0; ; n++) {
        if (isObj) {
          ws();
          if (text[i] !== '"') fail();
          const at = i;
          const k = str();
          const line = lineOf(at);
          const prev = lines.get(k);
          if (prev !== undefined) duplicate(source, k, line, prev);
          lines.set(k, line);
          ws();
          if (text[i] !== ':') fail();
          i++;
          setOwn(obj, k, value(depth + 1, obj, k));
        } else arr.push(value(depth + 1, arr, n));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return isObj ? obj : arr;
        } else fail();
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return ((i += 4), true);
    if (text.startsWith('false', i)) return ((i += 5), false);
    if (text.startsWith('null', i)) return ((i += 4), null);
    NUM_RE.lastIndex = i;
    if (!NUM_RE.test(text)) fail();
    const raw = text.slice(i, NUM_RE.lastIndex);
    i = NUM_RE.lastIndex;
    const v = /^-?[0-9]+$/.test(raw) ? exactInt(BigInt(raw)) : Number(raw);
    if (container && String(v) !== raw) noteText(container, key, raw);
    return v;
  };
  try {
    const v = value(0, undefined, 0);
    ws();
    if (i < text.length) fail();
    return v;
  } catch (e) {
    if (e instanceof JsonFail) throw invalid(`${source}: invalid JSON: ${jsonFailMessage(text, e.at)}`);
    throw e;
  }
}

function jsonFailMessage(text: string, at: number): string {
  const before = text.slice(0, at).split('\n');
  const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  const what =
    at >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[at])}`;
  return `${where}: ${what}`;
}

/** Parsing input documents (YAML or JSON) with exact integers and clear errors naming the source. */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { invalid } from '../errors/index.js';

export type DocFormat = 'yaml' | 'json';

/** Format from a path or URL's extension; undefined when the extension says nothing. */
export function formatFromName(name: string): DocFormat | 'table' | undefined {
  const clean = name.split(/[?#]/)[0].toLowerCase();
  if (clean.endsWith('.json')) return 'json';
  if (clean.endsWith('.yaml') || clean.endsWith('.yml')) return 'yaml';
  if (clean.endsWith('.table') || clean.endsWith('.txt')) return 'table';
  return undefined;
}

/** Guess from content: a document starting with `{` or `[` is JSON, anything else YAML. */
export function sniffFormat(text: string): DocFormat {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'json' : 'yaml';
}

function normalizeInts(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (Array.isArray(v)) return v.map(normalizeInts);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    // fromEntries defines own properties, so a key named "__proto__" stays data.
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeInts(x)]));
  }
  return v;
}

/** Offset of the first JSON syntax error in `text`, or -1 (only used for messages). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c !== 0x5c) {
        i++;
        continue;
      }
      i++;
      if (text[i] === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
        i += 5;
      } else if (i < text.length && '"\\/bfnrt'.includes(text[i])) i++;
      else fail();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    const num = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
    num.lastIndex = i;
    if (!num.test(text)) fail();
    i = num.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (e) {
    return typeof e === 'number' ? e : -1;
  }
}

function jsonSyntaxMessage(text: string, err: Error): string {
  const at = jsonErrorOffset(text);
  if (at < 0) return err.message.split('\n')[0];
  const before = text.slice(0, at).split('\n');
  const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  const what =
    at >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[at])}`;
  return `${where}: ${what}`;
}

/**
 * Parses `text` as one YAML (or JSON — a YAML 1.2 subset) document. Integers beyond 2^53 stay exact
 * (bigint); all others are numbers. `source` names the input in errors.
 */
export function parseDocument(text: string, source: string, format?: DocFormat): unknown {
  if (text.trim() === '') throw invalid(`${source}: document is empty`);
  const fmt = format ?? sniffFormat(text);
  if (fmt === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      throw invalid(`${source}: invalid JSON: ${jsonSyntaxMessage(text, err as Error)}`);
    }
  }
  try {
    const doc = parseYaml(text, { intAsBigInt: true, uniqueKeys: false, maxAliasCount: 1000 });
    return normalizeInts(doc);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      throw invalid(
        `${source}: invalid ${fmt === 'json' ? 'JSON' : 'YAML'}: ${where}${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    throw invalid(`${source}: invalid document: ${(err as Error).message}`);
  }
}

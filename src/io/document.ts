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
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeInts(x);
    return out;
  }
  return v;
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
      throw invalid(`${source}: invalid JSON: ${(err as Error).message}`);
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
        `${source}: invalid ${fmt === 'json' ? 'JSON' : 'YAML'}: ${where}${err.message.split('\n')[0]}`,
      );
    }
    throw invalid(`${source}: invalid document: ${(err as Error).message}`);
  }
}

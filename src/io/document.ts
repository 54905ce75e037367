/**
 * Parsing input documents (YAML or JSON) into plain data, with the rules every reader shares:
 *
 *  - one reading: a key given twice in one mapping is bad input (exit 2) naming the key and both lines;
 *  - bounded: maps and lists nest at most MAX_DEPTH levels (exit 2 beyond, never a stack overflow);
 *  - exact integers: integers beyond 2^53 stay exact (bigint); all others are numbers;
 *  - scalar text is kept: a number, boolean or null scalar whose text differs from the JS value's
 *    text (`1.10`, `22.10`, `0x1F`, `True`) is recorded beside its container, so that readers that
 *    compare values as versions or strings can use what was written (`scalarText`);
 *  - data never reaches the object model: maps are ordinary objects whose keys are all own
 *    properties (a key `__proto__` is data, defined with defineProperty);
 *  - scalar keys are strings: a non-string scalar key keeps its source text (`1.10:` is "1.10").
 *
 * Large block-style YAML (the shape aicr writes) takes a line-based fast path with the same result;
 * anything outside that subset goes through the `yaml` library.
 */
import { invalid } from '../errors/index.js';
import { parseJson } from './document-json.js';
import { BAIL, fastYaml, slowYaml } from './document-yaml.js';
import { MAX_DEPTH } from './limits.js';

export { MAX_DEPTH };
export { scalarText, setOwn, textOf } from './document-common.js';

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

/**
 * Parses `text` as one YAML (or JSON) document. `source` names the input in errors. JSON (declared or
 * sniffed) is parsed strictly as JSON.
 */
export function parseDocument(text: string, source: string, format?: DocFormat): unknown {
  if (text.trim() === '') throw invalid(`${source}: document is empty`);
  const fmt = format ?? sniffFormat(text);
  if (fmt === 'json') return parseJson(text, source);
  const fast = fastYaml(text);
  if (fast !== BAIL) return fast;
  return slowYaml(text, source);
}

/** Exposed for tests: the fast path alone (undefined when it declines the document). */
export function fastYamlForTest(text: string): unknown {
  const v = fastYaml(text);
  return v === BAIL ? undefined : v;
}
/** Exposed for tests: the full parser alone. */
export function slowYamlForTest(text: string, source: string): unknown {
  return slowYaml(text, source);
}

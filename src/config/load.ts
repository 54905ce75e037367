/**
 * Reading an AICRConfig file through the one bounded reader (files and http(s) URLs), checking it
 * against the schema and naming the file, the line and the key of the first problem (exit 2), with a
 * "did you mean" for a misspelt key.
 */
import { invalid } from '../errors/index.js';
import { parseDocument } from '../io/document.js';
import { readSource } from '../io/reader.js';
import { isConfigMapUri } from '../io/uri.js';
import type { ZodIssue } from 'zod';
import { configShapeOk } from './check.js';
import {
  CONFIG_API_VERSIONS,
  CONFIG_COMMANDS,
  CONFIG_KIND,
  isLeaf,
  keyTree,
  keysOf,
  type AicrConfig,
  type ConfigCommand,
  type ConfigKey,
  type KeyTree,
} from './keys.js';

export interface LoadedConfig {
  /** `config <file or URL>`, as messages name it. */
  source: string;
  /** The file or URL (redacted), as `--debug` and `aicr config view` show it. */
  file: string;
  config: AicrConfig;
}

/** One setting of a section: its table row and the value as the flag takes it. */
export interface ConfigEntry {
  key: ConfigKey;
  /** `spec.bundle.deployment.set` */
  path: string;
  /** string, number, boolean or string[] (maps become `key=value` items). */
  value: string | number | boolean | string[];
}

/** Levenshtein distance (small strings: keys). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest of `known` to `key` when it is close enough to be a typo. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

const TOP_KEYS = ['kind', 'apiVersion', 'metadata', 'spec'];

/** Keys allowed in the object at `path` (document path). */
function knownKeys(path: readonly (string | number)[]): string[] {
  if (path.length === 0) return TOP_KEYS;
  if (path[0] === 'metadata') return ['name'];
  if (path[0] !== 'spec') return [];
  let node: KeyTree | ConfigKey = keyTree();
  for (const p of path.slice(1)) {
    if (isLeaf(node)) return [];
    node = node[String(p)];
    if (!node) return [];
  }
  return isLeaf(node) ? [] : Object.keys(node);
}

const show = (path: readonly (string | number)[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(document)';

const typeName = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v;

function valueAt(doc: unknown, path: readonly (string | number)[]): unknown {
  let v = doc;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** The message of one schema issue, without source or line; `key` is the path it is about. */
function describeIssue(issue: ZodIssue, doc: unknown): { path: (string | number)[]; text: string } {
  const path = [...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const known = knownKeys(path);
      const hint = didYouMean(key, known);
      const where = [...path, key];
      const allowed = known.length ? ` (allowed here: ${known.join(', ')})` : '';
      return {
        path: where,
        text: `${show(where)}: unknown key ${JSON.stringify(key)}${hint ? `; did you mean "${hint}"?` : ''}${allowed}`,
      };
    }
    case 'invalid_type': {
      const got = valueAt(doc, path);
      if (issue.received === 'undefined')
        return { path, text: `${show(path)}: required, expected ${issue.expected}` };
      const expected =
        issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map' : `a ${issue.expected}`;
      return {
        path,
        text: `${show(path)}: expected ${expected}, got ${typeName(got)} ${JSON.stringify(got) ?? ''}`.trimEnd(),
      };
    }
    case 'invalid_literal':
      return {
        path,
        text: `${show(path)}: must be ${JSON.stringify(issue.expected)}, got ${JSON.stringify(valueAt(doc, path))}`,
      };
    case 'invalid_enum_value':
      return {
        path,
        text: `${show(path)}: invalid value ${JSON.stringify(issue.received)}; allowed: ${issue.options.join(', ')}`,
      };
    case 'too_small':
    case 'too_big':
      return {
        path,
        text: `${show(path)}: ${issue.message.toLowerCase()}, got ${JSON.stringify(valueAt(doc, path))}`,
      };
    case 'invalid_union':
      return {
        path,
        text: `${show(path)}: expected a string, number or boolean, got ${typeName(valueAt(doc, path))}`,
      };
    default:
      return { path, text: `${show(path)}: ${issue.message}` };
  }
}

/** Checks a parsed document; exit 2 naming source, line and key of the first problem. */
export async function checkConfig(doc: unknown, text: string, source: string): Promise<AicrConfig> {
  // The common, well-formed case is checked without zod (start-up cost); the schema explains the rest.
  if (configShapeOk(doc)) return doc as AicrConfig;
  const { aicrConfigSchema } = await import('./schema.js');
  const res = aicrConfigSchema.safeParse(doc);
  if (res.success) return res.data as AicrConfig;
  const issue = res.error.issues[0];
  const { path, text: message } = describeIssue(issue, doc);
  let line: number | undefined;
  try {
    // The yaml library (source positions) is loaded only for an error.
    line = (await import('./lines.js')).lineOf(text, path);
  } catch {
    line = undefined;
  }
  const extra =
    path[0] === 'kind' || path[0] === 'apiVersion'
      ? ` (an aicr configuration file starts with kind: ${CONFIG_KIND} and apiVersion: ${CONFIG_API_VERSIONS[0]})`
      : '';
  throw invalid(`${source}: ${line ? `line ${line}: ` : ''}${message}${extra}`);
}

/** Refuses the locations a configuration cannot come from (before any reading). */
export function checkConfigLocation(location: string, flag: string): void {
  if (location === '-') {
    throw invalid(
      `${flag} "-": a configuration file cannot be read from stdin (stdin carries documents); use a file or an http(s):// URL`,
    );
  }
  if (isConfigMapUri(location)) {
    throw invalid(
      `${flag} "${location}": a configuration file cannot come from a ConfigMap (it would say which cluster to read it from); extract it with kubectl and pass the file`,
    );
  }
}

/** Reads and checks the configuration at `location` (file or http(s) URL). */
export async function loadConfig(location: string, flag = '--config'): Promise<LoadedConfig> {
  checkConfigLocation(location, flag);
  const src = await readSource(location, { what: 'config' });
  const source = `config ${src.location}`;
  const doc = parseDocument(src.text, source, src.format);
  return { source, file: src.location, config: await checkConfig(doc, src.text, source) };
}

/** The settings of `command` present in the file, in table order, as flag values. */
export function sectionEntries(config: AicrConfig, command: ConfigCommand): ConfigEntry[] {
  const section = config.spec[command];
  if (!section) return [];
  const out: ConfigEntry[] = [];
  for (const key of keysOf(command)) {
    const v = valueAt(section, key.path.split('.'));
    if (v === undefined || v === null) continue;
    let value: ConfigEntry['value'];
    if (key.kind === 'map') value = Object.entries(v as Record<string, string>).map(([k, x]) => `${k}=${x}`);
    else value = v as ConfigEntry['value'];
    out.push({ key, path: `spec.${command}.${key.path}`, value });
  }
  return out;
}

export { CONFIG_COMMANDS };

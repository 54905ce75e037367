/**
 * Output serializers: JSON (2-space, trailing newline, exact bigints), YAML (the one YAML writer, yaml-emit.ts) and
 * table (a sorted FIELD/VALUE listing of every leaf path, control characters escaped).
 */
import { invalid } from '../errors/index.js';
import { escapeControl } from '../util/escape.js';
import { toYaml } from './yaml-emit.js';
import { assertWritableDepth } from './limits.js';

export const FORMATS = ['yaml', 'json', 'table'] as const;
export type Format = (typeof FORMATS)[number];

/** Validates a `--format` value: exact lowercase yaml|json|table. */
export function parseFormat(value: string | undefined, flag = '--format'): Format {
  if (value === undefined) return 'yaml';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw invalid(`unknown output format: "${value}" for ${flag}, valid formats are: yaml, json, table`);
}

function jsonString(s: string): string {
  return JSON.stringify(s);
}

/** JSON with 2-space indentation; bigint readings are written as exact integers. */
export function toJson(value: unknown, indent = 2): string {
  assertWritableDepth(value); // never write what aicr cannot read back
  const pad = (n: number) => ' '.repeat(n * indent);
  const emit = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'string') return jsonString(v);
    if (v instanceof Date) return jsonString(v.toISOString());
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const items = v.map((x) => pad(depth + 1) + emit(x, depth + 1));
      return '[\n' + items.join(',\n') + '\n' + pad(depth) + ']';
    }
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      const items = entries.map(([k, x]) => pad(depth + 1) + jsonString(k) + ': ' + emit(x, depth + 1));
      return '{\n' + items.join(',\n') + '\n' + pad(depth) + '}';
    }
    return jsonString(String(v));
  };
  return emit(value, 0) + '\n';
}

function flatten(value: unknown, prefix: string, rows: [string, string][]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, prefix ? `${prefix}.[${i}]` : `[${i}]`, rows));
    return;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, rows);
    }
    return;
  }
  const text = value === null ? '<nil>' : value instanceof Date ? value.toISOString() : String(value);
  // Cells are one line each: a CR, ESC or newline in a value must not redraw or forge rows.
  rows.push([escapeControl(prefix || 'value'), escapeControl(text)]);
}

/** FIELD/VALUE table of every leaf (paths joined with `.`, list items as `[i]`), sorted by path. */
export function toTable(value: unknown): string {
  const rows: [string, string][] = [];
  flatten(value, '', rows);
  if (rows.length === 0) return '<empty>\n';
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const width = Math.max('FIELD'.length, ...rows.map((r) => r[0].length)) + 2;
  const lines = [['FIELD', 'VALUE'], ['-----', '-----'], ...rows].map(([f, v]) => f.padEnd(width) + v);
  return lines.join('\n') + '\n';
}

export function serialize(value: unknown, format: Format): string {
  switch (format) {
    case 'json':
      return toJson(value);
    case 'table':
      return toTable(value);
    default:
      return toYaml(value);
  }
}

export { toYaml };

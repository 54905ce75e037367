/**
 * `aicr validate --schema v1`: a document checked against the published schema of its kind, with every
 * problem named by its JSON path and what was expected. The check runs the zod schema the JSON Schema is
 * generated from (src/schema/registry.ts); tests hold the two to the same verdicts with an independent
 * JSON Schema validator.
 */
import type { z } from 'zod';
import { escapeControl } from '../util/escape.js';
import { findSchemaKind, schemaKindNames, type SchemaKind } from './registry.js';

/** At most this many problems are listed per document. */
export const MAX_ISSUES = 50;

export interface SchemaCheck {
  /** The document's kind; undefined when it could not be detected. */
  kind?: string;
  /** The schema it was checked against. */
  row?: SchemaKind;
  /** One line per problem: `$.path: expected …, got …`; empty when the document is valid. */
  problems: string[];
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** A JSON path: `$.measurements[0].subtypes[1]["odd key"]`. */
export function jsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += IDENT.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return escapeControl(out);
}

function valueAt(doc: unknown, path: readonly (string | number)[]): unknown {
  let cur = doc;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

const ZOD_TYPE_NAMES: Record<string, string> = { array: 'array', object: 'object', bigint: 'integer' };

/** What an issue expected, in JSON Schema words. */
function expectedOf(issue: z.ZodIssue): string[] {
  switch (issue.code) {
    case 'invalid_type':
      return [ZOD_TYPE_NAMES[issue.expected] ?? issue.expected];
    case 'invalid_literal':
      return [JSON.stringify(issue.expected)];
    case 'invalid_enum_value':
      return issue.options.map((o) => JSON.stringify(o));
    case 'invalid_union':
      return issue.unionErrors.flatMap((e) =>
        e.issues.filter((i) => i.path.length === issue.path.length).flatMap(expectedOf),
      );
    case 'too_small':
      return [
        `${issue.type === 'array' ? 'at least' : '>='} ${String(issue.minimum)}${issue.type === 'array' ? ' items' : ''}`,
      ];
    case 'too_big':
      return [`<= ${String(issue.maximum)}`];
    default:
      return [];
  }
}

function describeIssue(issue: z.ZodIssue, doc: unknown): string {
  const where = jsonPath(issue.path);
  const value = valueAt(doc, issue.path);
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return `${where}: required ${expectedOf(issue)[0]} is missing`;
  }
  const expected = [...new Set(expectedOf(issue))];
  if (expected.length === 0) return `${where}: ${escapeControl(issue.message)}`;
  let got = describeType(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const shown = JSON.stringify(value);
    got = `${got} ${shown.length > 60 ? shown.slice(0, 57) + '…' : shown}`;
  }
  return `${where}: expected ${expected.join(' or ')}, got ${escapeControl(got)}`;
}

/** The kind row of a document: its `kind` field (case-sensitive, aliases included). */
export function detectKind(doc: unknown): SchemaKind | string {
  const allowed = schemaKindNames().join(', ');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return `expected a YAML/JSON mapping at the top level, got ${describeType(doc)}`;
  }
  const kind = (doc as Record<string, unknown>).kind;
  if (typeof kind !== 'string' || kind === '') {
    return `document has no kind field; expected one of ${allowed}`;
  }
  const row = findSchemaKind(kind);
  if (!row || (row.kind !== kind && !row.aliases?.includes(kind))) {
    return `unknown kind ${JSON.stringify(escapeControl(kind))}; expected one of ${allowed}`;
  }
  return row;
}

/** Checks `doc` against the published schema of its kind. */
export function checkDocumentSchema(doc: unknown): SchemaCheck {
  const row = detectKind(doc);
  if (typeof row === 'string') return { problems: [row] };
  const kind = String((doc as Record<string, unknown>).kind);
  const res = row.schema.safeParse(doc);
  if (res.success) return { kind, row, problems: [] };
  const problems = res.error.issues.map((i) => describeIssue(i, doc));
  const unique = [...new Set(problems)];
  if (unique.length > MAX_ISSUES) {
    const more = unique.length - MAX_ISSUES;
    return { kind, row, problems: [...unique.slice(0, MAX_ISSUES), `… and ${more} more`] };
  }
  return { kind, row, problems: unique };
}

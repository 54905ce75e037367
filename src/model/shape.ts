/**
 * The zod-free half of document checking: header checks, number-as-text fields, and the fast check
 * of a recipe document. A well-formed recipe (the common case: every recipe aicr writes) is
 * checked and copied here without loading zod; anything else goes through the zod schema
 * (schema.ts), which names the first bad field. Where the fast check gives a result, it is what the
 * schema gives (same fields, values and key order); a differential property test
 * (test/model/shape.test.ts) keeps the two in agreement.
 */
import { invalid } from '../errors/index.js';
import { textOf } from '../io/document.js';
import { ACCEPTED_API_VERSIONS } from './snapshot.js';

/** Fields of a recipe that may be written as unquoted numbers and take the scalar's source text. */
export const RECIPE_TEXT_FIELDS: readonly (readonly string[])[] = [
  ['constraints', '*', 'value'],
  ['validation', '*', 'constraints', '*', 'value'],
  ['componentRefs', '*', 'version'],
];
/** The same fields in an overlay (`spec.…`). */
export const OVERLAY_TEXT_FIELDS: readonly (readonly string[])[] = RECIPE_TEXT_FIELDS.map((p) => [
  'spec',
  ...p,
]);
/** The registry's chart versions. */
export const REGISTRY_TEXT_FIELDS: readonly (readonly string[])[] = [
  ['components', '*', 'helm', 'defaultVersion'],
];

/** Replaces non-string scalars at `path` (`*` = every list item or map value) by their source text. */
export function keepScalarText(doc: unknown, path: readonly string[]): void {
  if (doc === null || typeof doc !== 'object') return;
  const [head, ...rest] = path;
  const keys =
    head === '*'
      ? Array.isArray(doc)
        ? doc.map((_, i) => i)
        : Object.keys(doc)
      : Object.prototype.hasOwnProperty.call(doc, head)
        ? [head]
        : [];
  for (const k of keys) {
    const container = doc as Record<string | number, unknown>;
    if (rest.length > 0) {
      keepScalarText(container[k], rest);
      continue;
    }
    const v = container[k];
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      const text = textOf(container, k);
      if (text !== undefined) container[k] = text;
    }
  }
}

/** Checks kind (when present) and apiVersion (when present) of an input document. */
export function checkHeader(doc: Record<string, unknown>, kinds: string[], source: string): void {
  if (doc.kind !== undefined && doc.kind !== '' && !kinds.includes(String(doc.kind))) {
    throw invalid(
      `${source}: invalid kind "${String(doc.kind)}", expected ${kinds.map((k) => `"${k}"`).join(' or ')}`,
    );
  }
  if (
    doc.apiVersion !== undefined &&
    doc.apiVersion !== '' &&
    !ACCEPTED_API_VERSIONS.includes(String(doc.apiVersion))
  ) {
    throw invalid(
      `${source}: invalid apiVersion "${String(doc.apiVersion)}", expected one of ${ACCEPTED_API_VERSIONS.join(', ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The fast recipe check (same rules and the same copy as recipeResultSchema in schema.ts)

/** A value refused: the document goes through the schema, which names the problem. */
const FAIL: unique symbol = Symbol('refused');
/** Checks a value and returns what the schema would give back for it (a copy of maps and lists). */
type Norm = (v: unknown) => unknown;

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const str: Norm = (v) => (typeof v === 'string' ? v : FAIL);
const optional =
  (n: Norm): Norm =>
  (v) =>
    v === undefined ? v : n(v);
const nullish =
  (n: Norm): Norm =>
  (v) =>
    v === undefined || v === null ? v : n(v);
function listOf(n: Norm): Norm {
  return (v) => {
    if (!Array.isArray(v)) return FAIL;
    const out: unknown[] = [];
    for (const x of v) {
      const y = n(x);
      if (y === FAIL) return FAIL;
      out.push(y);
    }
    return out;
  };
}
const strList = listOf(str);

/**
 * An object schema with unknown keys passed through, copied as zod copies it: the schema's fields
 * present in the input, in the schema's order, then the other keys in input order; a `__proto__`
 * key is dropped.
 */
function object(shape: Record<string, Norm>): Norm {
  const fields = Object.keys(shape);
  return (v) => {
    if (!isMap(v)) return FAIL;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const present = f in v;
      const y = shape[f]!(present ? v[f] : undefined);
      if (y === FAIL) return FAIL;
      if (present) out[f] = y;
    }
    for (const k in v) if (!Object.hasOwn(shape, k) && k !== '__proto__') out[k] = v[k];
    return out;
  };
}

/** A record schema (`z.record(…)`), copied the same way. */
function record(values: Norm): Norm {
  return (v) => {
    if (!isMap(v)) return FAIL;
    const out: Record<string, unknown> = {};
    for (const k in v) {
      const y = values(v[k]);
      if (y === FAIL) return FAIL;
      if (k !== '__proto__') out[k] = y; // checked, then dropped (as zod does)
    }
    return out;
  };
}

const anyMap = record((v) => v);
const int: Norm = (v) => (typeof v === 'number' && Number.isInteger(v) ? v : FAIL);

const constraint = object({
  name: str,
  // The schema also takes numbers and booleans (as their text); those go through it.
  value: str,
  severity: optional(str),
  remediation: optional(str),
  unit: optional(str),
});

const componentRef = object({
  name: (v) => (typeof v === 'string' && v.length > 0 ? v : FAIL),
  namespace: optional(str),
  chart: optional(str),
  type: optional(str),
  source: optional(str),
  // The schema also takes a number (as its text); that goes through it.
  version: optional(str),
  tag: optional(str),
  valuesFile: optional(str),
  overrides: nullish(anyMap),
  patches: nullish(strList),
  dependencyRefs: nullish(strList),
  manifestFiles: nullish(strList),
  path: optional(str),
  cleanup: optional((v) => (typeof v === 'boolean' ? v : FAIL)),
  expectedResources: nullish(listOf(object({ kind: str, name: str, namespace: optional(str) }))),
  healthCheckAsserts: optional(str),
});

const phase = object({
  timeout: optional(str),
  constraints: nullish(listOf(constraint)),
  checks: nullish(strList),
  nodeSelection: optional(
    object({
      selector: optional(record(str)),
      maxNodes: optional(int),
      excludeNodes: optional(strList),
    }),
  ),
  infrastructure: optional(str),
});

const criteria = object({
  service: optional(str),
  accelerator: optional(str),
  intent: optional(str),
  os: optional(str),
  platform: optional(str),
  nodes: optional((v) => (typeof v === 'bigint' ? v : int(v))),
});

const recipe = object({
  kind: optional(str),
  apiVersion: optional(str),
  metadata: nullish(anyMap),
  criteria: nullish(criteria),
  constraints: nullish(listOf(constraint)),
  componentRefs: nullish(listOf(componentRef)),
  deploymentOrder: nullish(strList),
  validation: nullish(
    object({
      readiness: optional(phase),
      deployment: optional(phase),
      performance: optional(phase),
      conformance: optional(phase),
    }),
  ),
});

/**
 * What recipeResultSchema gives back for `doc` (after the number-as-text fields were applied with
 * keepScalarText), when the fast check can tell; undefined when the document needs the schema (it
 * may be bad, or need a conversion the fast check leaves to zod).
 */
export function recipeShape(doc: unknown): Record<string, unknown> | undefined {
  const out = recipe(doc);
  return out === FAIL ? undefined : (out as Record<string, unknown>);
}

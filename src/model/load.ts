/**
 * Loading and checking input documents from any location (file, `-`, URL, `cm://`):
 * snapshots, recipes and criteria files. Each loader validates the document's schema and names the
 * input in errors.
 */
import { readDocument, type ReadOptions } from '../io/reader.js';
import type { Criteria, RecipeResult } from './recipe.js';
import { checkHeader, keepScalarText, RECIPE_TEXT_FIELDS, recipeShape } from './shape.js';
import type { Reading, Snapshot } from './snapshot.js';
import { parseCriteriaValue, parseNodes, anyCriteria, CRITERIA_FIELDS } from './criteria.js';
import { AicrError, invalid } from '../errors/index.js';
import { scalarText, setOwn } from '../io/document.js';

type LoadOpts = Omit<ReadOptions, 'what' | 'kinds'>;

function describe(location: string, what: string): string {
  return location === '-' || location === 'stdin' ? `${what} from stdin` : `${what} ${location}`;
}

const READING_TYPES = ['string', 'number', 'bigint', 'boolean'];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const optional = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || ok(v);
const nullable = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || v === null || ok(v);

/** Whether `doc` has the snapshot schema's shape (same rules as snapshotSchema, without copying). */
function snapshotShapeOk(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  const str = (x: unknown) => typeof x === 'string';
  if (!optional(doc.kind, str) || !optional(doc.apiVersion, str)) return false;
  if (!nullable(doc.metadata, isRecord) || !nullable(doc.measurements, Array.isArray)) return false;
  for (const m of (doc.measurements as unknown[] | null | undefined) ?? []) {
    if (!isRecord(m) || typeof m.type !== 'string' || !nullable(m.subtypes, Array.isArray)) return false;
    for (const st of (m.subtypes as unknown[] | null | undefined) ?? []) {
      if (!isRecord(st) || !optional(st.subtype, str) || !nullable(st.data, isRecord)) return false;
      if (!optional(st.context, isRecord)) return false;
    }
  }
  return true;
}

/**
 * Readings of one subtype: scalars as they are, numbers written differently from their JS text as
 * that text, nested values as JSON text. The document's own map is used when nothing changes.
 */
function readings(data: Record<string, unknown>, raw: unknown): Record<string, Reading> {
  let out: Record<string, Reading> | undefined;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = data[k];
    let r: Reading;
    if (typeof v === 'number' || typeof v === 'bigint') r = scalarText(raw, k) ?? v;
    else if (v === null || READING_TYPES.includes(typeof v)) r = v as Reading;
    else r = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
    if (out === undefined && (r !== v || data !== raw)) {
      out = {};
      for (let j = 0; j < i; j++) setOwn(out, keys[j], data[keys[j]] as Reading);
    }
    if (out !== undefined) setOwn(out, k, r);
  }
  return out ?? (data as Record<string, Reading>);
}

/**
 * A snapshot document as the model: one entry per measurement type and per subtype (a repeated type
 * or subtype is bad input: readers would disagree on which one counts). Readings are scalars;
 * numbers keep their source text (`1.10` is the reading "1.10", not 1.1); nested values become
 * their JSON text.
 */
export async function toSnapshot(doc: unknown, source: string): Promise<Snapshot> {
  // The common, well-formed case is checked in place (no copy of millions of readings); anything
  // else goes through the schema (zod, loaded only then), which names the first bad field.
  let parsed: Record<string, unknown>;
  if (snapshotShapeOk(doc)) {
    parsed = doc as Record<string, unknown>;
  } else {
    const { check, snapshotSchema } = await import('./schema.js');
    parsed = check(snapshotSchema, doc, source) as Record<string, unknown>;
  }
  checkHeader(parsed, ['Snapshot'], source);
  const rawMeasurements = (doc as { measurements?: unknown }).measurements;
  const types = new Map<string, number>();
  const measurements = ((parsed.measurements as unknown[]) ?? []).map((m, i) => {
    const mm = m as {
      type: string;
      subtypes?:
        { subtype: string; data: Record<string, unknown> | null; context?: Record<string, unknown> }[] | null;
    };
    const firstType = types.get(mm.type);
    if (firstType !== undefined) {
      throw invalid(
        `${source}: measurements[${i}]: measurement type ${JSON.stringify(mm.type)} appears twice (first at measurements[${firstType}]); a snapshot has one measurement per type`,
      );
    }
    types.set(mm.type, i);
    const rawSubtypes = (Array.isArray(rawMeasurements) ? rawMeasurements[i] : undefined)?.subtypes;
    const subtypeNames = new Map<string, number>();
    return {
      type: mm.type,
      subtypes: (mm.subtypes ?? []).map((st, j) => {
        const firstSub = subtypeNames.get(st.subtype);
        if (firstSub !== undefined) {
          throw invalid(
            `${source}: measurements[${i}].subtypes[${j}]: subtype ${JSON.stringify(st.subtype)} of measurement type ${mm.type} appears twice (first at subtypes[${firstSub}])`,
          );
        }
        subtypeNames.set(st.subtype, j);
        const rawData = Array.isArray(rawSubtypes) ? rawSubtypes[j]?.data : undefined;
        const data = readings(st.data ?? {}, rawData);
        const out: { subtype: string; data: Record<string, Reading>; context?: Record<string, string> } = {
          subtype: st.subtype ?? '',
          data,
        };
        if (st.context) {
          const context: Record<string, string> = {};
          for (const [k, v] of Object.entries(st.context)) setOwn(context, k, String(v));
          out.context = context;
        }
        return out;
      }),
    };
  });
  const snap: Snapshot = { measurements };
  if (parsed.kind) snap.kind = String(parsed.kind);
  if (parsed.apiVersion) snap.apiVersion = String(parsed.apiVersion);
  if (parsed.metadata) {
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.metadata as object)) setOwn(metadata, k, String(v));
    snap.metadata = metadata;
  }
  return snap;
}

export async function loadSnapshot(location: string, opts: LoadOpts = {}): Promise<Snapshot> {
  const { doc } = await readDocument(location, { ...opts, what: 'snapshot', kinds: ['snapshot'] });
  return await toSnapshot(doc, describe(location, 'snapshot'));
}

/**
 * A recipe document (`kind: RecipeResult`, or `Recipe` on input). A well-formed one is checked and
 * copied by the fast check (shape.ts); anything else goes through the schema (zod, loaded only then).
 */
export async function toRecipe(doc: unknown, source: string): Promise<RecipeResult> {
  for (const path of RECIPE_TEXT_FIELDS) keepScalarText(doc, path);
  let parsed = recipeShape(doc);
  if (parsed === undefined) {
    const { check, recipeResultSchema } = await import('./schema.js');
    parsed = check(recipeResultSchema, doc, source) as Record<string, unknown>;
  }
  checkHeader(parsed, ['RecipeResult', 'Recipe'], source);
  const r = parsed as unknown as RecipeResult;
  if (!r.componentRefs) r.componentRefs = [];
  return r;
}

export async function loadRecipe(location: string, opts: LoadOpts = {}): Promise<RecipeResult> {
  const { doc } = await readDocument(location, { ...opts, what: 'recipe', kinds: ['recipe'] });
  return await toRecipe(doc, describe(location, 'recipe'));
}

/** A criteria file (`kind: RecipeCriteria`); every spec field optional. */
export async function loadCriteriaFile(location: string, opts: LoadOpts = {}): Promise<Criteria> {
  const { doc } = await readDocument(location, { ...opts, what: 'criteria', kinds: ['criteria'] });
  const source = describe(location, 'criteria');
  const { check, criteriaFileSchema } = await import('./schema.js');
  const parsed = check(criteriaFileSchema, doc, source) as Record<string, unknown>;
  if (parsed.kind !== undefined && parsed.kind !== 'RecipeCriteria') {
    throw invalid(`${source}: invalid kind "${String(parsed.kind)}", expected "RecipeCriteria"`);
  }
  checkHeader(parsed, ['RecipeCriteria'], source);
  const spec = (parsed.spec ?? {}) as Record<string, unknown>;
  const c = anyCriteria();
  for (const f of CRITERIA_FIELDS) {
    if (spec[f] === undefined || spec[f] === null) continue;
    try {
      c[f] = parseCriteriaValue(f, String(spec[f]));
    } catch (err) {
      throw new AicrError('INVALID_REQUEST', `${source}: invalid ${f} in criteria spec`, err);
    }
  }
  if (spec.nodes !== undefined && spec.nodes !== null) c.nodes = parseNodes(spec.nodes, `${source}: nodes`);
  return c;
}

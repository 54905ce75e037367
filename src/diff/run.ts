/**
 * `aicr diff BASELINE CURRENT`: load two documents of one kind, compute the measurement-path changes
 * and the RFC 6902 patch (both without ignored readings), render them, and decide the exit code.
 */
import { invalid } from '../errors/index.js';
import { readDocument } from '../io/reader.js';
import { toJson, toYaml } from '../io/serialize.js';
import { escapeControl } from '../util/escape.js';
import { toRecipe, toSnapshot } from '../model/load.js';
import { API_VERSION } from '../model/snapshot.js';
import type { DiffDocument as DiffDocumentOut } from '../model/reports.js';
import {
  DEFAULT_IGNORES,
  genericChanges,
  IgnoreSet,
  snapshotChanges,
  withoutIgnoredLeaves,
  withoutIgnoredReadings,
  type Change,
} from './changes.js';
import { diffPatch, isPlainObject, type PatchOp } from './patch.js';

export const DIFF_FORMATS = ['patch', 'json', 'yaml', 'table'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export const DIFF_KINDS = ['Snapshot', 'RecipeResult', 'ValidationResult', 'FleetReport'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

export interface DiffDocument {
  kind: DiffKind;
  doc: Record<string, unknown>;
  location: string;
}

export interface DiffResult {
  kind: DiffKind;
  changes: Change[];
  patch: PatchOp[];
  ignored: number;
}

/** The kind of a parsed document; a snapshot may omit `kind` (upstream's mock snapshots do). */
export function classifyDocument(doc: unknown, source: string): DiffDocument['kind'] {
  if (!isPlainObject(doc)) throw invalid(`${source}: not a YAML/JSON mapping`);
  const kind = doc.kind;
  if (kind === undefined || kind === null) {
    if (Array.isArray(doc.measurements)) return 'Snapshot';
    throw invalid(`${source}: document has no kind; expected one of ${DIFF_KINDS.join(', ')}`);
  }
  if (kind === 'Recipe') return 'RecipeResult';
  if ((DIFF_KINDS as readonly unknown[]).includes(kind)) return kind as DiffKind;
  throw invalid(
    `${source}: cannot diff documents of kind ${JSON.stringify(escapeControl(String(kind)))}; expected one of ${DIFF_KINDS.join(', ')}`,
  );
}

/** Reads and checks one input: its schema when aicr has one (Snapshot, RecipeResult). */
export async function loadDiffDocument(
  location: string,
  label: string,
  opts: { kubeconfig?: string } = {},
): Promise<DiffDocument> {
  const { doc, location: shown } = await readDocument(location, {
    what: label,
    kinds: ['snapshot', 'recipe', 'validation', 'fleet'],
    kubeconfig: opts.kubeconfig,
  });
  const source = shown === 'stdin' ? `${label} from stdin` : `${label} ${shown}`;
  const kind = classifyDocument(doc, source);
  if (kind === 'Snapshot') await toSnapshot(doc, source);
  if (kind === 'RecipeResult') await toRecipe(structuredClone(doc), source);
  return { kind, doc: doc as Record<string, unknown>, location: shown };
}

/**
 * A FleetReport compared with a snapshot: the report's majority values as a snapshot
 * (`aicr diff node.yaml fleet-report.yaml`).
 */
export function majoritySnapshot(report: Record<string, unknown>): Record<string, unknown> {
  const majority = isPlainObject(report.majority) ? report.majority : {};
  return { kind: 'Snapshot', apiVersion: API_VERSION, measurements: majority.measurements ?? [] };
}

export function computeDiff(a: DiffDocument, b: DiffDocument, ignorePatterns: readonly string[]): DiffResult {
  let [da, db] = [a.doc, b.doc];
  let kind = a.kind;
  if (a.kind !== b.kind) {
    // A snapshot against a fleet's majority is the one mixed pair that makes sense.
    // The majority has no metadata of its own: the node's (name, capture time) is left out too.
    if (a.kind === 'Snapshot' && b.kind === 'FleetReport') {
      da = { ...da, metadata: undefined };
      db = majoritySnapshot(b.doc);
    } else if (a.kind === 'FleetReport' && b.kind === 'Snapshot') {
      da = majoritySnapshot(a.doc);
      db = { ...db, metadata: undefined };
    } else {
      throw invalid(
        `cannot diff a ${a.kind} (${a.location}) against a ${b.kind} (${b.location}): both documents must be of the same kind`,
      );
    }
    kind = 'Snapshot';
  }
  const ignore = new IgnoreSet(ignorePatterns);
  const changesOf = (x: Record<string, unknown>, y: Record<string, unknown>) =>
    kind === 'Snapshot' ? snapshotChanges(x, y) : genericChanges(x, y);
  const fa = kind === 'Snapshot' ? withoutIgnoredReadings(da, ignore) : withoutIgnoredLeaves(da, ignore);
  const fb = kind === 'Snapshot' ? withoutIgnoredReadings(db, ignore) : withoutIgnoredLeaves(db, ignore);
  const changes = changesOf(fa as Record<string, unknown>, fb as Record<string, unknown>);
  const all = ignore.patterns.length ? changesOf(da, db).length : changes.length;
  return { kind, changes, patch: diffPatch(fa, fb), ignored: Math.max(0, all - changes.length) };
}

/** The `--format json|yaml` document. */
export function diffDocument(r: DiffResult, baseline: string, current: string): DiffDocumentOut {
  const count = (k: Change['change']) => r.changes.filter((c) => c.change === k).length;
  return {
    kind: `${r.kind}Diff` as const,
    apiVersion: API_VERSION,
    baseline,
    current,
    summary: {
      changed: count('changed'),
      added: count('added'),
      removed: count('removed'),
      ignored: r.ignored,
    },
    changes: r.changes,
  };
}

function cell(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return '<nil>';
  if (typeof v === 'object') return escapeControl(toJson(v, 0).replace(/\n/g, ''));
  return escapeControl(String(v));
}

/** People's view: changes grouped by the path's first name (the measurement type). */
export function diffTable(r: DiffResult): string {
  if (r.changes.length === 0) {
    return `no differences${r.ignored ? ` (${r.ignored} ignored)` : ''}\n`;
  }
  const groups = new Map<string, Change[]>();
  for (const c of r.changes) {
    const m = /^[^.[]+/.exec(c.path);
    const g = m ? m[0] : c.path;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(c);
  }
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  const rows: string[][] = [];
  for (const [g, list] of groups) {
    rows.push([g, '', '', '']);
    for (const c of list)
      rows.push([`  ${mark[c.change]} ${escapeControl(c.path)}`, cell(c.old), '→', cell(c.new)]);
  }
  const w0 = Math.max(...rows.map((x) => x[0].length)) + 2;
  const w1 = Math.max(...rows.map((x) => x[1].length)) + 1;
  const lines = rows.map((x) =>
    x[1] === '' && x[3] === '' && x[2] === ''
      ? x[0]
      : `${x[0].padEnd(w0)}${x[1].padEnd(w1)}${x[2]} ${x[3]}`.trimEnd(),
  );
  const n = r.changes.length;
  lines.push('', `${n} difference${n === 1 ? '' : 's'}${r.ignored ? `, ${r.ignored} ignored` : ''}`);
  return lines.join('\n') + '\n';
}

export function renderDiff(r: DiffResult, format: DiffFormat, baseline: string, current: string): string {
  switch (format) {
    case 'patch':
      return toJson(r.patch);
    case 'json':
      return toJson(diffDocument(r, baseline, current));
    case 'yaml':
      return toYaml(diffDocument(r, baseline, current));
    default:
      return diffTable(r);
  }
}

/** `--format` given, else patch for `-o *.json`, yaml for `-o *.yaml`, table on a terminal, else yaml. */
export function chooseFormat(flag: string | undefined, output: string | undefined, tty: boolean): DiffFormat {
  if (flag !== undefined) {
    if ((DIFF_FORMATS as readonly string[]).includes(flag)) return flag as DiffFormat;
    throw invalid(
      `unknown output format: "${flag}" for --format, valid formats are: ${DIFF_FORMATS.join(', ')}`,
    );
  }
  if (output && output !== '-') {
    if (/\.json$/i.test(output)) return 'patch';
    if (/\.ya?ml$/i.test(output)) return 'yaml';
    if (/\.txt$/i.test(output)) return 'table';
    return 'yaml';
  }
  return tty ? 'table' : 'yaml';
}

export { DEFAULT_IGNORES };

/**
 * Recipe criteria: the six fields a recipe is matched on, their allowed values and aliases, parsing
 * (trimmed, case-insensitive) and specificity.
 */
import { invalid } from '../errors/index.js';
import { CRITERIA_FIELDS } from './fields.js';
import type { Criteria } from './recipe.js';

/** Allowed values per criteria field (every field of src/model/fields.ts CRITERIA_FIELDS, no other). */
export const CRITERIA_VALUES: { readonly [F in CriteriaField]: readonly string[] } = {
  service: ['aks', 'eks', 'gke', 'kind', 'oke'],
  accelerator: ['a100', 'b200', 'gb200', 'h100', 'l40'],
  intent: ['inference', 'training'],
  os: ['amazonlinux', 'cos', 'rhel', 'ubuntu'],
  platform: ['dynamo', 'kubeflow'],
} as const;

export type CriteriaField = (typeof CRITERIA_FIELDS)[number];
export { CRITERIA_FIELDS };

const ALIASES: Record<CriteriaField, Record<string, string>> = {
  service: { '': 'any', any: 'any', 'self-managed': 'any', self: 'any', vanilla: 'any' },
  accelerator: { '': 'any', any: 'any' },
  intent: { '': 'any', any: 'any' },
  os: { '': 'any', any: 'any', al2: 'amazonlinux', al2023: 'amazonlinux', amzn: 'amazonlinux' },
  platform: { '': 'any', any: 'any' },
};

/** Allowed spellings shown in errors and completion. */
export function allowedValues(field: CriteriaField): string[] {
  return [...CRITERIA_VALUES[field], 'any'];
}

/** Parses one criteria value; invalid ⇒ INVALID_REQUEST naming the field and the allowed values. */
export function parseCriteriaValue(field: CriteriaField, raw: string): string {
  const v = raw.trim().toLowerCase();
  const alias = ALIASES[field][v];
  if (alias) return alias;
  if ((CRITERIA_VALUES[field] as readonly string[]).includes(v)) return v;
  const extra =
    field === 'os'
      ? ' (al2, al2023, amzn = amazonlinux)'
      : field === 'service'
        ? ' (self-managed = any)'
        : '';
  throw invalid(`invalid ${field} type: ${raw}; allowed: ${allowedValues(field).join(', ')}${extra}`);
}

export function parseNodes(raw: unknown, source = 'nodes'): number {
  let n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n === 'bigint') n = Number(n); // beyond 2^53: refused below as too large
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw invalid(`invalid ${source} count: ${String(raw)} (must be an integer >= 0)`);
  }
  if (n < 0) throw invalid(`invalid ${source} count: ${n} (must be >= 0)`);
  if (!Number.isSafeInteger(n)) {
    throw invalid(
      `invalid ${source} count: ${typeof raw === 'string' ? raw.trim() : String(raw)} (too large, must be at most ${Number.MAX_SAFE_INTEGER})`,
    );
  }
  return n;
}

export function anyCriteria(): Criteria {
  return { service: 'any', accelerator: 'any', intent: 'any', os: 'any', platform: 'any', nodes: 0 };
}

/** Number of fields that say something (not any), nodes counting when > 0. */
export function specificity(c: Partial<Criteria>): number {
  let n = 0;
  for (const f of CRITERIA_FIELDS) {
    const v = c[f];
    if (v !== undefined && v !== '' && v !== 'any') n++;
  }
  if (c.nodes) n++;
  return n;
}

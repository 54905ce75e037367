/**
 * Asymmetric overlay matching: every non-empty field of the overlay's criteria must be satisfied by
 * the query. An overlay field that is empty or `any` is a wildcard; a query field that is `any` only
 * matches such wildcards, so a generic query never pulls in a specific overlay.
 */
import type { Criteria, OverlayCriteria, RecipeMetadata } from '../model/recipe.js';
import { CRITERIA_FIELDS } from '../model/criteria.js';

export function fieldMatches(overlay: string | undefined, query: string): boolean {
  if (overlay === undefined || overlay === '' || overlay === 'any') return true;
  if (query === '' || query === 'any') return false;
  return overlay === query;
}

export function nodesMatch(overlay: number | undefined, query: number): boolean {
  const r = overlay ?? 0;
  if (r === 0) return true;
  if (query === 0) return false;
  return r === query;
}

export function criteriaMatch(overlay: OverlayCriteria | null | undefined, query: Criteria): boolean {
  if (!overlay) return false;
  for (const f of CRITERIA_FIELDS) if (!fieldMatches(overlay[f], query[f])) return false;
  return nodesMatch(overlay.nodes, query.nodes);
}

/**
 * Candidate order. Upstream sorts by a specificity that counts omitted fields as specific (so only
 * overlays spelling out `any` move first); ties are broken by the intended specificity (fields that
 * really constrain) and then by name, which makes the order deterministic.
 */
function quirkSpecificity(c: OverlayCriteria): number {
  let n = 0;
  for (const f of CRITERIA_FIELDS) if (c[f] !== 'any') n++;
  if (c.nodes) n++;
  return n;
}

function intendedSpecificity(c: OverlayCriteria): number {
  let n = 0;
  for (const f of CRITERIA_FIELDS) if (c[f] && c[f] !== 'any') n++;
  if (c.nodes) n++;
  return n;
}

export function orderCandidates(overlays: RecipeMetadata[]): RecipeMetadata[] {
  return [...overlays].sort((a, b) => {
    const ca = a.spec.criteria ?? {};
    const cb = b.spec.criteria ?? {};
    return (
      quirkSpecificity(ca) - quirkSpecificity(cb) ||
      intendedSpecificity(ca) - intendedSpecificity(cb) ||
      (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)
    );
  });
}

/** Human-readable table of a ValidationResult: one row per constraint, then a one-line summary. */
import { escapeControl } from '../util/escape.js';
import type { ValidationResult } from './recipe.js';

const COLUMNS = ['STATUS', 'PHASE', 'CONSTRAINT', 'EXPECTED', 'ACTUAL', 'MESSAGE'] as const;

/** The one-line summary, e.g. `status: partial (4 passed, 0 failed, 1 skipped, 0 errors; 5 total)`. */
export function summaryLine(doc: Pick<ValidationResult, 'status' | 'summary'>): string {
  const s = doc.summary;
  return (
    `status: ${doc.status} (${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ` +
    `${s.errors} ${s.errors === 1 ? 'error' : 'errors'}; ${s.total} total)`
  );
}

/** Columns padded to their widest cell; the message column is last and never padded. */
export function renderValidationTable(doc: ValidationResult): string {
  // Every cell is escaped: a carriage return or ESC in a value must not overwrite a FAIL row on screen.
  const rows: string[][] = doc.results.map((r) =>
    [r.status.toUpperCase(), r.phase, r.name, r.expected, r.actual ?? '-', r.message].map((c) =>
      escapeControl(String(c)),
    ),
  );
  const lines: string[] = [];
  if (rows.length === 0) {
    lines.push('no constraints to check');
  } else {
    const all = [[...COLUMNS], ...rows];
    const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
    for (const row of all) {
      lines.push(
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      );
    }
  }
  if (doc.policy) lines.push('', ...policyLines(doc.policy));
  lines.push('', summaryLine(doc));
  return lines.join('\n') + '\n';
}

/** The policy rows: one per message (a passing package gets one PASS row), then the policy status. */
function policyLines(policy: NonNullable<ValidationResult['policy']>): string[] {
  const rows: string[][] = [];
  for (const p of policy.policies) {
    if (p.messages.length === 0) rows.push(['PASS', p.package, '-', 'no deny or violation messages']);
    for (const m of p.messages) rows.push(['FAIL', p.package, m.rule, m.msg]);
  }
  const all = [['POLICY', 'PACKAGE', 'RULE', 'MESSAGE'], ...rows.map((r) => r.map((c) => escapeControl(c)))];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const out = all.map((r) =>
    r
      .map((c, i) => (i === 3 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const n = policy.policies.length;
  out.push(
    `policy: ${policy.status} (${n} ${n === 1 ? 'package' : 'packages'}${policy.engine ? `, ${policy.engine}` : ''})`,
  );
  return out;
}

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
  lines.push('', summaryLine(doc));
  return lines.join('\n') + '\n';
}

/**
 * Constraint expressions (docs/validate.md): `>= 1.32.4`, `<=1.33`, `> 1.30`, `< 2.0`, `== ubuntu`,
 * `!= rhel`, or a bare value meaning exact, case-sensitive string equality.
 *
 * Operators are tried as prefixes in the fixed order `>= <= != == > <`; spaces between operator and
 * operand are optional. A lone `=` or `~=` is not an operator (`=5` is the exact string `=5`).
 */
import { AicrError } from '../errors/index.js';
import {
  compareVersions,
  looksLikeVersion,
  parseVersion,
  tryParseVersion,
  versionsEqual,
} from './version.js';

export type Operator = '>=' | '<=' | '>' | '<' | '==' | '!=' | '';

/** Prefix order matters: two-character operators before their one-character prefixes. */
export const OPERATORS: readonly Exclude<Operator, ''>[] = ['>=', '<=', '!=', '==', '>', '<'];

export interface ConstraintExpression {
  /** `''` means exact string match. */
  operator: Operator;
  /** The operand, trimmed. */
  value: string;
  /**
   * Whether the comparison is between versions: always for `>= <= > <`; for `==`, `!=` and exact only
   * when the operand looks like a version (exact still compares strings, see evaluateExpression).
   */
  versionComparison: boolean;
}

/** Parses an expression. Throws AicrError INVALID_REQUEST when it is empty or an operator has no operand. */
export function parseConstraintExpression(expr: string): ConstraintExpression {
  const text = expr.trim();
  if (text === '') throw new AicrError('INVALID_REQUEST', 'constraint expression cannot be empty');
  for (const op of OPERATORS) {
    if (!text.startsWith(op)) continue;
    const value = text.slice(op.length).trim();
    if (value === '') {
      throw new AicrError(
        'INVALID_REQUEST',
        `constraint value cannot be empty after operator ${JSON.stringify(op)} in ${JSON.stringify(expr)}`,
      );
    }
    const ordering = op !== '==' && op !== '!=';
    return { operator: op, value, versionComparison: ordering || looksLikeVersion(value) };
  }
  return { operator: '', value: text, versionComparison: looksLikeVersion(text) };
}

/** Canonical text: the bare value for exact match, otherwise `<op> <value>` with one space. */
export function formatExpression(e: Pick<ConstraintExpression, 'operator' | 'value'>): string {
  return e.operator === '' ? e.value : `${e.operator} ${e.value}`;
}

function parseSide(side: 'expected' | 'actual', text: string) {
  try {
    return parseVersion(text);
  } catch (err) {
    throw new AicrError('INVALID_REQUEST', `cannot parse ${side} version ${JSON.stringify(text)}`, err);
  }
}

/**
 * Evaluates a parsed expression against an actual value (trimmed first).
 *  - exact: case-sensitive string equality (`24.04` does not match `v24.04`);
 *  - `==`/`!=`: version equality (all three components) when the operand looks like a version and
 *    both sides parse; otherwise exact string comparison. Never throws;
 *  - `>= <= > <`: precision-aware version ordering; throws AicrError INVALID_REQUEST
 *    (`cannot parse expected version …` / `cannot parse actual version …`) when a side is not a version.
 */
export function evaluateExpression(parsed: ConstraintExpression, actual: string): boolean {
  const got = actual.trim();
  const { operator, value } = parsed;
  switch (operator) {
    case '':
      return got === value;
    case '==':
    case '!=': {
      let equal = got === value;
      if (parsed.versionComparison) {
        const want = tryParseVersion(value);
        const have = tryParseVersion(got);
        if (want && have) equal = versionsEqual(have, want);
      }
      return operator === '==' ? equal : !equal;
    }
    default: {
      const want = parseSide('expected', value);
      const have = parseSide('actual', got);
      const c = compareVersions(have, want);
      if (operator === '>=') return c >= 0;
      if (operator === '<=') return c <= 0;
      if (operator === '>') return c > 0;
      return c < 0;
    }
  }
}

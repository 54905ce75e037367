/**
 * Nesting limit shared by every reader and writer: input documents may nest maps and lists at most
 * MAX_DEPTH levels (deeper is exit 2), and aicr never writes a document deeper than that, so that
 * whatever aicr writes it can read back; and the one ConfigMap size limit. Kept light so that writers
 * stay light.
 */
import { invalid } from '../errors/index.js';

/** What one ConfigMap holds (the API server's 1 MiB limit): the cap on reading and on writing one. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** Deepest nesting of maps and lists any input document may have (and any document aicr writes). */
export const MAX_DEPTH = 512;

/** Nesting depth of plain data (a scalar is 0, `{}` and `[]` are 1), counted without recursion. */
export function depthOf(value: unknown, stopAbove = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof Date) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > stopAbove) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (x !== null && typeof x === 'object') stack.push([x, depth]);
    }
  }
  return max;
}

/** Throws INVALID_REQUEST (exit 2) when `value` is nested deeper than aicr reads back. */
export function assertWritableDepth(value: unknown, what = 'output document'): void {
  if (depthOf(value, MAX_DEPTH) > MAX_DEPTH) throw tooDeepToWrite(what);
}

/** The error of a document nested deeper than MAX_DEPTH, found while writing it. */
export function tooDeepToWrite(what = 'output document'): Error {
  return invalid(
    `${what} would be nested more than ${MAX_DEPTH} levels deep, more than aicr reads back; nothing was written`,
  );
}

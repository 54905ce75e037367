/**
 * Structured errors shared by every command.
 *
 * An AicrError carries a code, a message and an optional cause; its text form is
 * `[CODE] message` or `[CODE] message: <cause text>`, one label for the whole chain (see formatError).
 * The process exit code classifies the *cause* (docs/decisions.md, decision 3): the innermost
 * structured code that is not INTERNAL wins, so a wrapper never hides "bad input" or "not found".
 */
export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'TIMEOUT'
  | 'SERVICE_UNAVAILABLE'
  | 'RATE_LIMIT_EXCEEDED'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL'
  | 'VALIDATION_FAILED';

/** Exit codes, documented in README.md ("Exit codes"). */
export const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_REQUEST: 2,
  METHOD_NOT_ALLOWED: 2,
  NOT_FOUND: 3,
  UNAUTHORIZED: 4,
  TIMEOUT: 5,
  SERVICE_UNAVAILABLE: 6,
  RATE_LIMIT_EXCEEDED: 7,
  INTERNAL: 8,
  /** `aicr validate`: at least one constraint failed (or errored) and --fail-on-error is on. */
  VALIDATION_FAILED: 9,
};

/** Exit codes after a signal: 128 + signal number, as shells report them (README "Exit codes"). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type ExitSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Exit code of a failure that carries no structured code (a bug, not a classified error). */
export const EXIT_UNCLASSIFIED = 1;

export class AicrError extends Error {
  readonly code: ErrorCode;
  readonly context?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, cause?: unknown, context?: Record<string, unknown>) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AicrError';
    this.code = code;
    this.context = context;
  }

  /** The bare message without code or cause. */
  get bareMessage(): string {
    return this.message;
  }

  override toString(): string {
    return formatError(this);
  }
}

/**
 * `[CODE] message: cause message: …` for structured errors; the message for anything else.
 * The one label is the code that decides the exit code (see `classify`), so a chain of wrappers reads
 * `[NOT_FOUND] error building recipe: failed to load snapshot: snapshot file not found: s.yaml`, never
 * `[INTERNAL] … [INTERNAL] … [NOT_FOUND] …`.
 */
export function formatError(err: unknown): string {
  if (!(err instanceof AicrError)) return err instanceof Error ? err.message : String(err);
  const parts: string[] = [];
  let cur: unknown = err;
  // The depth cap keeps a cyclic cause chain from looping forever (classify caps it too).
  for (let depth = 0; cur !== undefined && cur !== null && depth < 50; depth++) {
    const text = withoutCodeFrame(cur instanceof Error ? cur.message : String(cur));
    if (text && parts[parts.length - 1] !== text) parts.push(text);
    if (!(cur instanceof AicrError)) break;
    cur = cur.cause;
  }
  return `[${classify(err) ?? err.code}] ${parts.join(': ')}`;
}

/**
 * A parser's code frame (` 1 | text` lines with a `^` marker, as the YAML library appends to its errors)
 * quotes raw input over several lines: only the first line, which names the problem and its position,
 * is kept.
 */
export function withoutCodeFrame(text: string): string {
  const nl = text.indexOf('\n');
  if (nl < 0 || !/\n\s*\d+\s*\|/.test(text)) return text;
  return text.slice(0, nl).trimEnd();
}

/** The code that classifies an error chain: the innermost structured code that is not INTERNAL. */
export function classify(err: unknown): ErrorCode | undefined {
  let found: ErrorCode | undefined;
  let cur: unknown = err;
  let depth = 0;
  while (cur !== undefined && cur !== null && depth < 50) {
    if (cur instanceof AicrError) {
      if (cur.code !== 'INTERNAL' || found === undefined) found = cur.code;
    }
    cur = cur instanceof Error ? cur.cause : undefined;
    depth++;
  }
  return found;
}

/** Exit code for an error: innermost non-INTERNAL structured code, else INTERNAL, else 1. */
export function exitCodeFor(err: unknown): number {
  const found = classify(err);
  return found ? EXIT_CODES[found] : EXIT_UNCLASSIFIED;
}

export const invalid = (message: string, cause?: unknown) => new AicrError('INVALID_REQUEST', message, cause);
export const notFound = (message: string, cause?: unknown) => new AicrError('NOT_FOUND', message, cause);
export const internal = (message: string, cause?: unknown) => new AicrError('INTERNAL', message, cause);
export const unavailable = (message: string, cause?: unknown) =>
  new AicrError('SERVICE_UNAVAILABLE', message, cause);
export const timeout = (message: string, cause?: unknown) => new AicrError('TIMEOUT', message, cause);
export const unauthorized = (message: string, cause?: unknown) =>
  new AicrError('UNAUTHORIZED', message, cause);

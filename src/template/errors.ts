/** Template errors: an AicrError whose message names the template, line and column. */
import { AicrError, type ErrorCode } from '../errors/index.js';

export type TemplatePhase = 'parse' | 'exec';

/**
 * A parse or execution error. Message: `template <name>:<line>:<column>: <detail>` with a 1-based
 * line and column of the offending token or action (columns count UTF-16 units).
 * Code INVALID_REQUEST: the template text or the data it was given is at fault.
 */
export class TemplateError extends AicrError {
  readonly templateName: string;
  readonly line: number;
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;
  readonly phase: TemplatePhase;

  constructor(
    phase: TemplatePhase,
    templateName: string,
    line: number,
    column: number,
    detail: string,
    cause?: unknown,
    code: ErrorCode = 'INVALID_REQUEST',
  ) {
    super(code, `template ${templateName}:${line}:${column}: ${detail}`, cause, {
      template: templateName,
      line,
      column,
      phase,
    });
    this.name = 'TemplateError';
    this.templateName = templateName;
    this.line = line;
    this.column = column;
    this.detail = detail;
    this.phase = phase;
  }
}

/** Maps text offsets to 1-based line and column numbers. */
export class SourceMap {
  /** Offsets of line starts, computed on the first error (templates that render never need them). */
  private lineStarts: number[] | undefined;

  constructor(
    readonly name: string,
    private readonly text: string,
  ) {}

  locate(pos: number): { line: number; column: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1))
        this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: pos - this.lineStarts[lo]! + 1 };
  }

  error(phase: TemplatePhase, pos: number, detail: string, cause?: unknown): TemplateError {
    const { line, column } = this.locate(pos);
    return new TemplateError(phase, this.name, line, column, detail, cause);
  }
}

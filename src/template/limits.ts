/**
 * Bounds of one template execution (a render, with everything it includes): output size, size of
 * any value a function returns, total text and list elements produced, range iterations and time.
 * A template from a `--data` catalog is untrusted input; none of these can be exceeded, and each
 * breach is a TemplateError (exit 2) naming the template file, line and column.
 */
import { isDict } from './values.js';
import { monotonicMs } from '../util/clock.js';

export interface TemplateLimits {
  /** Characters the template itself writes (top level). */
  maxOutput: number;
  /** Characters of any single string value a function returns (printf, repeat, toYaml, …). */
  maxValue: number;
  /** Elements of any single list a function returns (until, list, append, …). */
  maxList: number;
  /** Characters plus list elements produced over the whole execution (garbage included). */
  maxProduced: number;
  /** `range` iterations over the whole execution. */
  maxIterations: number;
  /** Wall time of the execution, in milliseconds. */
  maxTimeMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: TemplateLimits = {
  maxOutput: 10 * MiB,
  maxValue: 10 * MiB,
  maxList: 1_000_000,
  maxProduced: 256 * MiB,
  maxIterations: 1_000_000,
  maxTimeMs: 5_000,
};

export function describeSize(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${n}`;
}

/** Thrown inside the engine when a limit is hit; the executor turns it into a TemplateError. */
export class LimitError extends Error {}

export class Budget {
  output = 0;
  produced = 0;
  iterations = 0;
  private steps = 0;
  private readonly deadline: number;

  constructor(readonly limits: TemplateLimits) {
    this.deadline = monotonicMs() + limits.maxTimeMs;
  }

  /** One unit of work: checks the clock every 256 steps. */
  step(): void {
    if ((++this.steps & 255) === 0 && monotonicMs() > this.deadline)
      throw new LimitError(`template execution exceeded the time limit of ${this.limits.maxTimeMs} ms`);
  }

  wrote(n: number, topLevel: boolean): void {
    if (topLevel) {
      this.output += n;
      if (this.output > this.limits.maxOutput)
        throw new LimitError(
          `template output exceeds the limit of ${describeSize(this.limits.maxOutput)} characters`,
        );
    }
    this.produce(n);
  }

  produce(n: number): void {
    this.produced += n;
    if (this.produced > this.limits.maxProduced)
      throw new LimitError(
        `template execution produced more than ${describeSize(this.limits.maxProduced)} characters and list elements in total`,
      );
  }

  iterate(): void {
    if (++this.iterations > this.limits.maxIterations)
      throw new LimitError(`range iterations exceed the limit of ${this.limits.maxIterations}`);
    this.step();
  }

  /** Checks a function result and counts it. */
  result(fn: string, v: unknown): void {
    if (typeof v === 'string') {
      if (v.length > this.limits.maxValue)
        throw new LimitError(
          `${fn} returned ${v.length} characters, more than the limit of ${describeSize(this.limits.maxValue)}`,
        );
      this.produce(v.length);
    } else if (Array.isArray(v)) {
      if (v.length > this.limits.maxList)
        throw new LimitError(
          `${fn} returned ${v.length} elements, more than the limit of ${this.limits.maxList}`,
        );
      this.produce(v.length);
    }
    this.step();
  }

  /** Throws when `n` characters would exceed the value limit (checked before building them). */
  checkValue(fn: string, n: number): void {
    if (n > this.limits.maxValue)
      throw new LimitError(
        `${fn} would return ${n} characters, more than the limit of ${describeSize(this.limits.maxValue)}`,
      );
  }
}

/**
 * An upper estimate of the characters needed to print or serialise `args` (strings, keys and a
 * few characters per scalar and container), walking at most until `limit` is passed.
 */
export function printedSize(args: unknown[], limit: number): number {
  let total = 0;
  const stack: unknown[] = [...args];
  while (stack.length && total <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (const e of v) stack.push(e);
    } else if (isDict(v)) {
      total += 2;
      for (const k of Object.keys(v)) {
        total += k.length + 4;
        stack.push(v[k]);
      }
    } else total += 24;
  }
  return total;
}

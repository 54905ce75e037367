/**
 * Logging in three modes, always on stderr (data goes to stdout only):
 *  - cli  (default): `[cli] message: k=v k2=v2` — one line per record; colored when stderr is a TTY.
 *  - text (--debug): `time=… level=… msg="…" module=aicr version=… k=v`, level debug.
 *  - json (--log-json): one JSON object per line (level debug when --debug is also set).
 * In every mode a record is exactly one line: control characters in messages and values (which often come
 * from input) are escaped, and credentials in URLs (`user:pass@`, query strings) are redacted.
 */
import { escapeControl, escapeJsonText, hasControl, redactUrls } from '../util/escape.js';
import { writeStderr } from '../util/stdio.js';
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogMode = 'cli' | 'text' | 'json';

const LEVEL_NUM: Record<Level, number> = { debug: -4, info: 0, warn: 4, error: 8 };

export interface LoggerOptions {
  mode: LogMode;
  level: Level;
  version: string;
  prefix?: string;
  color?: boolean;
  write?: (line: string) => void;
}

export type Attrs = Record<string, unknown>;

/** JSON.stringify replacer: bigints (exact readings) as numbers when safe, else as exact strings. */
function bigints(_key: string, v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

/** `v` if it can be written as JSON, else its string form (logging never throws). */
function jsonSafe(v: unknown): unknown {
  try {
    JSON.stringify(v, bigints);
    return v;
  } catch {
    return String(v);
  }
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) return v.toString === Error.prototype.toString ? v.message : String(v);
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(' ')}]`;
  if (v !== null && typeof v === 'object') {
    const safe = jsonSafe(v);
    return typeof safe === 'string' ? safe : JSON.stringify(safe, bigints);
  }
  return String(v);
}

function quoteText(s: string): string {
  return s === '' || /[\s"=]/.test(s) || hasControl(s) ? escapeJsonText(JSON.stringify(s)) : s;
}

export class Logger {
  readonly mode: LogMode;
  readonly level: Level;
  private readonly opts: LoggerOptions;

  constructor(opts: LoggerOptions) {
    this.opts = opts;
    this.mode = opts.mode;
    this.level = opts.level;
  }

  enabled(level: Level): boolean {
    return LEVEL_NUM[level] >= LEVEL_NUM[this.level];
  }

  debug(msg: string, attrs?: Attrs): void {
    this.log('debug', msg, attrs);
  }
  info(msg: string, attrs?: Attrs): void {
    this.log('info', msg, attrs);
  }
  warn(msg: string, attrs?: Attrs): void {
    this.log('warn', msg, attrs);
  }
  error(msg: string, attrs?: Attrs): void {
    this.log('error', msg, attrs);
  }

  log(level: Level, msg: string, attrs: Attrs = {}): void {
    if (!this.enabled(level)) return;
    const write = this.opts.write ?? writeStderr;
    const entries = Object.entries(attrs).filter(([, v]) => v !== undefined);
    if (this.mode === 'json') {
      const rec: Record<string, unknown> = {
        time: new Date().toISOString(),
        level: level.toUpperCase(),
        msg: redactUrls(msg),
        module: 'aicr',
        version: this.opts.version,
      };
      for (const [k, v] of entries) {
        const val = v instanceof Error ? fmtValue(v) : jsonSafe(v);
        rec[k] = typeof val === 'string' ? redactUrls(val) : val;
      }
      // Strings were redacted above; nested values are redacted in their JSON text.
      write(escapeJsonText(redactUrls(JSON.stringify(rec, bigints), true)) + '\n');
      return;
    }
    if (this.mode === 'text') {
      const parts = [
        `time=${new Date().toISOString()}`,
        `level=${level.toUpperCase()}`,
        `msg=${quoteText(redactUrls(msg))}`,
        'module=aicr',
        `version=${quoteText(this.opts.version)}`,
        ...entries.map(([k, v]) => `${escapeControl(k)}=${quoteText(redactUrls(fmtValue(v)))}`),
      ];
      write(parts.join(' ') + '\n');
      return;
    }
    const prefix = this.opts.prefix ?? 'cli';
    let line = `[${prefix}] ${msg}`;
    if (entries.length) line += ': ' + entries.map(([k, v]) => `${k}=${fmtValue(v)}`).join(' ');
    line = escapeControl(redactUrls(line));
    if (this.opts.color) line = `${level === 'error' ? '\x1b[31m' : '\x1b[32m'}${line}\x1b[0m`;
    write(line + '\n');
  }
}

let current: Logger = new Logger({ mode: 'cli', level: 'info', version: 'dev' });

export function setLogger(l: Logger): void {
  current = l;
}

/** The process-wide logger configured by the CLI root. */
export function log(): Logger {
  return current;
}

/**
 * The one duration parser of aicr, for every flag and environment variable that takes a duration
 * (`--timeout`, `AICR_K8S_REQUEST_TIMEOUT`, `AICR_HTTP_TIMEOUT`, …).
 *
 * Syntax is Go's `time.ParseDuration` without a sign: one or more `<number><unit>` terms, units `ns`,
 * `us`/`µs`, `ms`, `s`, `m`, `h` (`90s`, `5m`, `1h30m`, `1.5h`, `250ms`), or a bare `0`.
 * Values are milliseconds (rounded). The result must fit the platform timer: at most 2^31-1 ms
 * (about 24.8 days, `596h31m23.647s`); anything larger is INVALID_REQUEST (exit 2) rather than a
 * timer that Node would clamp to 1 ms and fire at once.
 */
import { invalid } from '../errors/index.js';

/** Longest timer Node.js supports: 2^31-1 ms (larger delays are turned into 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export interface DurationOptions {
  /** A bare number (no unit) is this many seconds (only AICR_HTTP_TIMEOUT, for compatibility). */
  bareSeconds?: boolean;
  /** Reject 0 (the value must be positive). */
  positive?: boolean;
  /** Example list and default for the message, e.g. `(default 30s)`. */
  hint?: string;
}

/**
 * Milliseconds of a duration given to `what` (`--timeout`, `environment variable AICR_HTTP_TIMEOUT`).
 * INVALID_REQUEST naming `what`, the value and what is allowed when it is not a duration, is negative,
 * is 0 where `positive`, or exceeds MAX_TIMER_MS.
 */
export function parseDuration(text: string, what = '--timeout', opts: DurationOptions = {}): number {
  const s = text.trim();
  const hint = opts.hint ? ` ${opts.hint}` : '';
  const bad = (why: string) => invalid(`invalid duration "${text}" for ${what}: ${why}${hint}`);
  const syntax = () =>
    bad(
      `use a ${opts.positive ? 'positive ' : ''}number with a unit (ns, us, ms, s, m, h), e.g. 90s, 5m or 1h30m`,
    );
  let total = 0;
  if (opts.bareSeconds && /^(\d+(?:\.\d*)?|\.\d+)$/.test(s)) {
    total = Number(s) * 1000;
  } else if (s !== '0') {
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;
    let pos = 0;
    while (pos < s.length) {
      re.lastIndex = pos;
      const m = re.exec(s);
      if (!m) break;
      total += Number(m[1]) * UNIT_MS[m[2]!]!;
      pos = re.lastIndex;
    }
    if (s === '' || pos !== s.length) throw syntax();
  }
  const ms = Math.round(total);
  if (!Number.isFinite(total) || ms > MAX_TIMER_MS) {
    throw bad(`longer than the longest supported timer, ${formatDuration(MAX_TIMER_MS)} (about 24.8 days)`);
  }
  if (opts.positive && ms <= 0) throw syntax();
  return ms;
}

/** Formats milliseconds as Go does (`5m0s`, `1m30s`, `500ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSec = ms / 1000;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec - h * 3600) / 60);
  const sec = +(totalSec - h * 3600 - m * 60).toFixed(3);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

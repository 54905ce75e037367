/** Go-style durations (`90s`, `5m`, `1h30m`, `1.5h`, `250ms`, `0`), as the flags of the Go CLI accept them. */
import { invalid } from '../errors/index.js';

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string; INVALID_REQUEST naming `flag` when it is not one. */
export function parseDuration(text: string, flag = '--timeout'): number {
  const s = text.trim();
  const bad = () =>
    invalid(`invalid duration "${text}" for ${flag}: use a number with a unit, e.g. 90s, 5m or 1h30m`);
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw bad();
  return Math.round(total);
}

/** `5m0s`-style text of a millisecond count, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

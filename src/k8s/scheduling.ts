/**
 * Parsing of the agent's scheduling and timing flags: `--node-selector key=value`,
 * `--toleration key=value:effect | key:effect` and Go-style durations (`5m`, `90s`, `1h30m`).
 * Repeatable flags also split a single value on commas (`--node-selector a=b,c=d` is two entries).
 */
import { invalid } from '../errors/index.js';

export interface Toleration {
  key?: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** Without any `--toleration`, the agent tolerates every taint so it can run on any GPU node. */
export const TOLERATE_ALL: Toleration[] = [{ operator: 'Exists' }];

/** Splits repeatable flag values on commas, dropping empty entries. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `key=value` entries (split at the first `=`; `key=` is an empty value; later duplicates win). */
export function parseNodeSelectors(
  values: readonly string[] | undefined,
  flag = '--node-selector',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of splitList(values)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw invalid(`invalid ${flag} "${entry}": expected key=value (e.g. nvidia.com/gpu.present=true)`);
    }
    out[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return out;
}

/**
 * `key=value:effect` (operator Equal) or `key:effect` (operator Exists). Effects are case-sensitive:
 * NoSchedule, PreferNoSchedule, NoExecute. No entries at all yields undefined (the caller picks the
 * default).
 */
export function parseTolerations(
  values: readonly string[] | undefined,
  flag = '--toleration',
): Toleration[] | undefined {
  const entries = splitList(values);
  if (entries.length === 0) return undefined;
  return entries.map((entry) => {
    const parts = entry.split(':');
    if (parts.length !== 2 || parts[0] === '') {
      throw invalid(`invalid ${flag} "${entry}": expected key=value:effect or key:effect`);
    }
    const [kv, effect] = parts as [string, string];
    if (!(TOLERATION_EFFECTS as readonly string[]).includes(effect)) {
      throw invalid(
        `invalid ${flag} "${entry}": effect "${effect}" must be one of ${TOLERATION_EFFECTS.join(', ')}`,
      );
    }
    const eq = kv.indexOf('=');
    const key = (eq < 0 ? kv : kv.slice(0, eq)).trim();
    const value = eq < 0 ? '' : kv.slice(eq + 1).trim();
    if (key === '') throw invalid(`invalid ${flag} "${entry}": the key cannot be empty`);
    return value === ''
      ? { key, operator: 'Exists' as const, effect: effect as Toleration['effect'] }
      : { key, operator: 'Equal' as const, value, effect: effect as Toleration['effect'] };
  });
}

/** Durations: the one parser of aicr (src/util/duration.ts), re-exported for existing callers. */
export { parseDuration, formatDuration } from '../util/duration.js';

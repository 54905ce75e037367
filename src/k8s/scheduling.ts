/**
 * The one parser of node scheduling flags, shared by `aicr bundle` (`--system-node-selector`,
 * `--accelerated-node-toleration`, `--workload-gate`, …) and the snapshot agent (`--node-selector`,
 * `--toleration`). Semantics are the reference's (docs/decisions.md, decision 9):
 *
 * - Repeatable flags also split one value on commas (`a=b,c=d` is two entries); entries are trimmed and
 *   empty entries dropped.
 * - Selector `key=value`: split at the first `=`, key and value trimmed; an empty value is allowed, an
 *   empty key or a missing `=` is INVALID_REQUEST; a later duplicate key wins.
 * - Toleration `key=value:Effect` (operator Equal) or `key:Effect` / `key=:Effect` (operator Exists);
 *   `:Effect` (no key) tolerates every taint with that effect. Splitting on `:` must give exactly two
 *   parts; the effect is case-sensitive: NoSchedule, PreferNoSchedule, NoExecute.
 * - Taint (`--workload-gate`): the toleration syntax with a non-empty key, rendered back as a string.
 */
import { invalid } from '../errors/index.js';
import { splitList } from '../util/list.js';

export const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffect = (typeof TOLERATION_EFFECTS)[number];

export interface Toleration {
  key?: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: TaintEffect;
}

/** Without any toleration flag, every taint is tolerated. */
export const TOLERATE_ALL: readonly Toleration[] = [{ operator: 'Exists' }];

export const SELECTOR_SYNTAX = 'key=value (e.g. nodeGroup=gpu-worker)';
export const TOLERATION_SYNTAX =
  'key=value:Effect or key:Effect with Effect one of NoSchedule, PreferNoSchedule, NoExecute (e.g. nvidia.com/gpu=present:NoSchedule)';
export const TAINT_SYNTAX =
  'key=value:Effect or key:Effect with Effect one of NoSchedule, PreferNoSchedule, NoExecute (e.g. nodewright.nvidia.com/runtime-required=true:NoSchedule)';

/** `key=value` entries; undefined when there are none (selectors have no default). */
export function parseNodeSelectors(
  values: readonly string[] | undefined,
  flag = '--node-selector',
): Record<string, string> | undefined {
  const entries = splitList(values);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw invalid(`invalid ${flag} "${entry}": expected ${SELECTOR_SYNTAX}`);
    const key = entry.slice(0, eq).trim();
    if (key === '')
      throw invalid(`invalid ${flag} "${entry}": the key is empty; expected ${SELECTOR_SYNTAX}`);
    out[key] = entry.slice(eq + 1).trim();
  }
  return out;
}

function parseTaintLike(entry: string, flag: string, syntax: string) {
  const parts = entry.split(':');
  if (parts.length !== 2) throw invalid(`invalid ${flag} "${entry}": expected ${syntax}`);
  const [kv, effect] = parts as [string, string];
  if (!(TOLERATION_EFFECTS as readonly string[]).includes(effect)) {
    throw invalid(
      `invalid ${flag} "${entry}": effect "${effect}" must be one of ${TOLERATION_EFFECTS.join(', ')}; expected ${syntax}`,
    );
  }
  const eq = kv.indexOf('=');
  const key = (eq < 0 ? kv : kv.slice(0, eq)).trim();
  const value = eq < 0 ? '' : kv.slice(eq + 1).trim();
  return { key, value, effect: effect as TaintEffect };
}

/** Toleration entries; undefined when there are none (the caller applies TOLERATE_ALL). */
export function parseTolerations(
  values: readonly string[] | undefined,
  flag = '--toleration',
): Toleration[] | undefined {
  const entries = splitList(values);
  if (entries.length === 0) return undefined;
  return entries.map((entry) => {
    const { key, value, effect } = parseTaintLike(entry, flag, TOLERATION_SYNTAX);
    if (key === '' && value !== '') {
      throw invalid(
        `invalid ${flag} "${entry}": a toleration without a key must use ":Effect"; expected ${TOLERATION_SYNTAX}`,
      );
    }
    return {
      ...(key === '' ? {} : { key }),
      operator: value === '' ? ('Exists' as const) : ('Equal' as const),
      ...(value === '' ? {} : { value }),
      effect,
    };
  });
}

/** One taint (`--workload-gate`), rendered back as `key=value:Effect` / `key:Effect`; undefined if unset. */
export function parseTaint(text: string | undefined, flag = '--workload-gate'): string | undefined {
  const entry = text?.trim();
  if (entry === undefined || entry === '') return undefined;
  const { key, value, effect } = parseTaintLike(entry, flag, TAINT_SYNTAX);
  if (key === '') throw invalid(`invalid ${flag} "${entry}": the key is empty; expected ${TAINT_SYNTAX}`);
  return value === '' ? `${key}:${effect}` : `${key}=${value}:${effect}`;
}

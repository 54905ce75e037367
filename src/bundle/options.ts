/**
 * Parsing of the bundle command's string inputs: `--set`, the scheduling flags (through the one parser
 * in src/k8s/scheduling.ts) and the deployer name. Every error is INVALID_REQUEST (exit 2) and quotes the input
 * together with the accepted syntax.
 */
import { invalid } from '../errors/index.js';
import { parseNodeSelectors, parseTaint, parseTolerations, type Toleration } from '../k8s/scheduling.js';

export { TOLERATE_ALL, type Toleration } from '../k8s/scheduling.js';

/** One `--set component:dotted.path=value` entry (value already coerced). */
export interface SetEntry {
  /** The text before the first `:` (a component name or one of its registry aliases). */
  key: string;
  /** Dotted path inside the component's values (`enabled` toggles the component instead). */
  path: string;
  /** The coerced value: boolean, number, bigint (beyond 2^53) or string. */
  value: unknown;
  /** The value as typed. */
  raw: string;
  /** The whole flag value as typed (for messages). */
  text: string;
}

export const SET_SYNTAX = 'component:dotted.path=value (e.g. gpuoperator:driver.version=570.86.16)';

/** Splits `key:path=value` at the first `:` and then the first `=` (so values may contain `=`). */
export function parseSet(text: string): SetEntry {
  const colon = text.indexOf(':');
  if (colon < 0)
    throw invalid(`invalid --set "${text}": missing ":" after the component; expected ${SET_SYNTAX}`);
  const key = text.slice(0, colon).trim();
  const rest = text.slice(colon + 1);
  const eq = rest.indexOf('=');
  if (eq < 0) throw invalid(`invalid --set "${text}": missing "=" before the value; expected ${SET_SYNTAX}`);
  const path = rest.slice(0, eq).trim();
  const raw = rest.slice(eq + 1);
  if (key === '') throw invalid(`invalid --set "${text}": the component is empty; expected ${SET_SYNTAX}`);
  if (path === '' || raw === '')
    throw invalid(`invalid --set "${text}": path and value cannot be empty; expected ${SET_SYNTAX}`);
  const segments = path.split('.');
  if (segments.some((s) => s === ''))
    throw invalid(`invalid --set "${text}": path "${path}" has an empty segment; expected ${SET_SYNTAX}`);
  if (segments.length > MAX_SET_SEGMENTS) {
    throw invalid(
      `invalid --set "${text.length > 200 ? text.slice(0, 200) + '…' : text}": path has ${segments.length} segments, the limit is ${MAX_SET_SEGMENTS}`,
    );
  }
  const bad = segments.find((s) => FORBIDDEN_SET_SEGMENTS.includes(s));
  if (bad !== undefined) {
    throw invalid(
      `invalid --set "${text}": path segment "${bad}" is not allowed (${FORBIDDEN_SET_SEGMENTS.join(', ')} name the object model, not values)`,
    );
  }
  return { key, path, value: coerceValue(raw), raw, text };
}

/** Most segments a `--set` path may have (values deeper than this are not something a chart reads). */
export const MAX_SET_SEGMENTS = 100;
/** Path segments that would reach the object model instead of data. */
export const FORBIDDEN_SET_SEGMENTS = ['__proto__', 'constructor', 'prototype'];

/** Sign, significant digits and exponent of a decimal text: the same triple means the same value. */
function decimalParts(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const all = m[2] + (m[3] ?? '');
  const stripped = all.replace(/^0+/, '');
  if (stripped === '') return '0';
  // Position of the decimal point relative to the first significant digit.
  const point = BigInt(m[2].length - (all.length - stripped.length)) + BigInt(m[4] ?? '0');
  return `${m[1] === '-' ? '-' : ''}${stripped.replace(/0+$/, '')}e${point}`;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

/**
 * `--set` value coercion: exactly `true`/`false` → boolean; a base-10 integer in int64 range →
 * number (bigint beyond 2^53); a decimal float, `inf`/`infinity`/`nan` (any case, optional sign)
 * → number; anything else stays a string (`570.86.16`, `v1`, `True`, `yes`).
 */
export function coerceValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (INT_RE.test(raw)) {
    // Every integer stays exact: bigint beyond 2^53 (also beyond int64, where the reference rounds).
    const n = BigInt(raw);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if (FLOAT_RE.test(raw)) {
    // A float keeps its text when the number would not denote the same decimal value (more digits
    // than a double holds, or out of range): `0.10000000000000000001`, `1e400` stay strings.
    const n = Number(raw);
    return Number.isFinite(n) && decimalParts(String(n)) === decimalParts(raw) ? n : raw;
  }
  const special = raw.toLowerCase().replace(/^[+-]/, '');
  if (special === 'inf' || special === 'infinity') return raw.startsWith('-') ? -Infinity : Infinity;
  if (special === 'nan') return NaN;
  return raw;
}

export const DEPLOYERS = ['argocd', 'helm'] as const;
export type DeployerName = (typeof DEPLOYERS)[number];

/** `--deployer`: trimmed, case-insensitive; empty means helm. */
export function parseDeployer(text: string | undefined): DeployerName {
  const v = (text ?? '').trim().toLowerCase();
  if (v === '') return 'helm';
  if ((DEPLOYERS as readonly string[]).includes(v)) return v as DeployerName;
  throw invalid(`invalid --deployer "${text}": must be one of ${DEPLOYERS.join(', ')}`);
}

/** Scheduling inputs, parsed. */
export interface Scheduling {
  systemNodeSelector?: Record<string, string>;
  systemTolerations?: Toleration[];
  acceleratedNodeSelector?: Record<string, string>;
  acceleratedTolerations?: Toleration[];
  workloadSelector?: Record<string, string>;
  /** `key=value:Effect` string for the registry's taintStrPaths. */
  workloadGate?: string;
  /** Estimated GPU node count (0/undefined = unset). */
  nodes?: number;
}

export interface RawSchedulingFlags {
  systemNodeSelector?: string[];
  systemNodeToleration?: string[];
  acceleratedNodeSelector?: string[];
  acceleratedNodeToleration?: string[];
  workloadSelector?: string[];
  workloadGate?: string;
  nodes?: number;
}

export function parseScheduling(f: RawSchedulingFlags): Scheduling {
  if (f.nodes !== undefined && (!Number.isInteger(f.nodes) || f.nodes < 0))
    throw invalid(`invalid --nodes "${f.nodes}": must be an integer >= 0`);
  return {
    systemNodeSelector: parseNodeSelectors(f.systemNodeSelector, '--system-node-selector'),
    systemTolerations: parseTolerations(f.systemNodeToleration, '--system-node-toleration'),
    acceleratedNodeSelector: parseNodeSelectors(f.acceleratedNodeSelector, '--accelerated-node-selector'),
    acceleratedTolerations: parseTolerations(f.acceleratedNodeToleration, '--accelerated-node-toleration'),
    workloadSelector: parseNodeSelectors(f.workloadSelector, '--workload-selector'),
    workloadGate: parseTaint(f.workloadGate, '--workload-gate'),
    nodes: f.nodes && f.nodes > 0 ? f.nodes : undefined,
  };
}

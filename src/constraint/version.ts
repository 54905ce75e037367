/**
 * Version parsing and comparison for constraint evaluation (docs/validate.md).
 *
 * A version is `[v]MAJOR[.MINOR[.PATCH]][extras]`:
 *  - one leading lowercase `v` is removed (`V1` and `vv1` are invalid);
 *  - "extras" start at the first `-` or `+` that directly follows a digit (`6.8.0-1028-aws`,
 *    `v1.33.5-eks-3025e55`, `1.2.3+build`); they are kept but ignored in every comparison;
 *  - 1 to 3 numeric components; precision is how many were written, missing ones are 0.
 *
 * One rule for ordering and equality: missing components are zeros. `v1` is `1.0.0`, so it does not
 * satisfy `>= 1.99.99`; `1.33` equals `1.33.0` but not `1.33.5`, and `1.33.5 > 1.33`. (The reference
 * compares only as many components as the less precise side has, so there `v1 >= 1.99.99` passes
 * and `1.33.5 <= 1.33` passes; see docs/validate.md.) The order is the semver order of the padded
 * versions (extras are ignored, not treated as pre-releases).
 */
import { AicrError } from '../errors/index.js';

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Number of components written: 1, 2 or 3. */
  precision: 1 | 2 | 3;
  /** Suffix from the first `-`/`+` after a digit (e.g. `-1028-aws`), or "". Ignored in comparisons. */
  extras: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function bad(text: string, reason: string): AicrError {
  return new AicrError('INVALID_REQUEST', `invalid version ${JSON.stringify(text)}: ${reason}`);
}

/** Integer parsing with Go `strconv.Atoi` rules: optional sign, then ASCII digits only. */
function parseComponent(text: string, part: string): number {
  if (part === '') throw bad(text, 'empty component');
  if (!/^[+-]?[0-9]+$/.test(part)) throw bad(text, `non-numeric component: ${JSON.stringify(part)}`);
  const n = Number(part);
  if (!Number.isSafeInteger(n)) throw bad(text, `component out of range: ${JSON.stringify(part)}`);
  if (n < 0) throw bad(text, `negative component: ${n}`);
  return n === 0 ? 0 : n; // normalises -0
}

/**
 * Parses a version string. Throws AicrError INVALID_REQUEST naming the text and the reason:
 * `version string is empty`, `version has more than 3 components`, `empty component`,
 * `non-numeric component: "<p>"`, `negative component: <n>`.
 */
export function parseVersion(text: string): Version {
  if (text === '') throw new AicrError('INVALID_REQUEST', 'version string is empty');
  let s = text.startsWith('v') ? text.slice(1) : text;
  let extras = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if ((c === '-' || c === '+') && isDigit(s[i - 1])) {
      extras = s.slice(i);
      s = s.slice(0, i);
      break;
    }
  }
  const parts = s.split('.');
  if (parts.length > 3) throw bad(text, 'version has more than 3 components');
  const nums = parts.map((p) => parseComponent(text, p));
  return {
    major: nums[0] ?? 0,
    minor: nums[1] ?? 0,
    patch: nums[2] ?? 0,
    precision: parts.length as 1 | 2 | 3,
    extras,
  };
}

/** Parses `text`, or returns undefined when it is not a valid version. */
export function tryParseVersion(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}

function toVersion(v: Version | string): Version {
  return typeof v === 'string' ? parseVersion(v) : v;
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/**
 * Ordering with missing components as zeros: -1 when a < b, 0 when equal, 1 when a > b
 * (`1` = `1.0` = `1.0.0` < `1.0.1`). Strings are parsed first (and may throw).
 */
export function compareVersions(a: Version | string, b: Version | string): -1 | 0 | 1 {
  const x = toVersion(a);
  const y = toVersion(b);
  if (x.major !== y.major) return sign(x.major - y.major);
  if (x.minor !== y.minor) return sign(x.minor - y.minor);
  if (x.patch !== y.patch) return sign(x.patch - y.patch);
  return 0;
}

/** Equality of all three numbers regardless of precision (`1.2` == `1.2.0`, `1.2` != `1.2.5`); extras ignored. */
export function versionsEqual(a: Version | string, b: Version | string): boolean {
  const x = toVersion(a);
  const y = toVersion(b);
  return x.major === y.major && x.minor === y.minor && x.patch === y.patch;
}

/** The version as written, without `v` and extras: only `precision` components (`1.2`, `1.2.3`). */
export function formatVersion(v: Version): string {
  return [v.major, v.minor, v.patch].slice(0, v.precision).join('.');
}

/**
 * Whether `text` "looks like a version" (decides if `==`/`!=` compare versions): after removing one
 * leading `v` it contains at least one ASCII digit and at least one `.`. `1.0`, `v1.2.3` and
 * `ubuntu22.04` do; `123`, `abc.def` and `v` do not.
 */
export function looksLikeVersion(text: string): boolean {
  const s = text.startsWith('v') ? text.slice(1) : text;
  return /[0-9]/.test(s) && s.includes('.');
}

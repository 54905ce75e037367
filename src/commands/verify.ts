/**
 * `aicr verify BUNDLE_DIR`: checksums, vendored-chart provenance and recipe/components of a bundle
 * (src/bundle/verify.ts), the report on stdout, and the reference's trust-level policy flags.
 *
 * Exit: 0 intact; 9 (VALIDATION_FAILED, the code of failed checks) when any check found a problem; 2 when
 * a policy flag is not met (as the reference) or for bad flags; 3 when the directory does not exist.
 */
import { AicrError, invalid } from '../errors/index.js';
import { serialize } from '../io/serialize.js';
import {
  TRUST_LEVELS,
  verifyBundle,
  verifyText,
  type TrustLevel,
  type VerifyReport,
} from '../bundle/verify.js';
import { escapeControl } from '../util/escape.js';
import { writeStdout } from '../util/stdio.js';

export const VERIFY_FORMATS = ['text', 'table', 'json', 'yaml'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

export interface RunVerifyOptions {
  dir: string;
  format?: string;
  minTrustLevel?: string;
  requireCreator?: string;
  cliVersionConstraint?: string;
  certificateIdentityRegexp?: string;
  write?: (text: string) => void;
}

export function parseVerifyFormat(v: string | undefined): VerifyFormat {
  if (v === undefined) return 'text';
  if ((VERIFY_FORMATS as readonly string[]).includes(v)) return v as VerifyFormat;
  throw invalid(
    `unknown output format: "${escapeControl(v)}" for --format, valid formats are: ${VERIFY_FORMATS.join(', ')}`,
  );
}

/** `--min-trust-level`: `max` (default: the highest level the bundle can reach) or a level, any case. */
export function parseTrustLevel(v: string | undefined): TrustLevel | 'max' {
  const t = (v ?? 'max').trim().toLowerCase();
  if (t === 'max') return 'max';
  if ((TRUST_LEVELS as string[]).includes(t)) return t as TrustLevel;
  throw invalid(
    `invalid --min-trust-level "${escapeControl(v ?? '')}": must be one of max, ${[...TRUST_LEVELS].reverse().join(', ')}`,
  );
}

/** The reference's rule for the identity override: it must name the aicr repository. */
function checkIdentityRegexp(v: string): void {
  if (!v.includes('://github.com/NVIDIA/aicr/') && !v.includes('://github\\.com/NVIDIA/aicr/'))
    throw invalid(
      `invalid --certificate-identity-regexp "${escapeControl(v)}": must contain ://github.com/NVIDIA/aicr/`,
    );
  try {
    new RegExp(v);
  } catch (err) {
    throw invalid(`invalid --certificate-identity-regexp "${escapeControl(v)}": ${(err as Error).message}`);
  }
}

/** Policy failures (the reference exits 2 for them): aicr bundles carry no attestation. */
function policyFailure(r: VerifyReport, o: RunVerifyOptions, min: TrustLevel | 'max'): string | undefined {
  const rank = (l: TrustLevel) => TRUST_LEVELS.indexOf(l);
  if (min !== 'max' && rank(r.trustLevel) < rank(min))
    return `trust level "${r.trustLevel}" does not meet minimum "${min}"`;
  if (o.requireCreator !== undefined)
    return `bundle creator "" does not match required "${escapeControl(o.requireCreator)}" (the bundle is not attested)`;
  if (o.cliVersionConstraint !== undefined)
    return 'tool version not available in attestation (bundle may be unattested)';
  return undefined;
}

export async function runVerify(o: RunVerifyOptions): Promise<VerifyReport> {
  const format = parseVerifyFormat(o.format);
  const min = parseTrustLevel(o.minTrustLevel);
  if (o.certificateIdentityRegexp !== undefined) checkIdentityRegexp(o.certificateIdentityRegexp);
  if (o.dir === '') throw invalid('verify needs the bundle directory: aicr verify BUNDLE_DIR');
  const report = verifyBundle(o.dir);
  const text = format === 'text' || format === 'table' ? verifyText(report) : serialize(report, format);
  (o.write ?? writeStdout)(text);
  const policy = policyFailure(report, o, min);
  if (report.problems.length) {
    const first = report.errors![0]!;
    const n = report.problems.length;
    throw new AicrError(
      'VALIDATION_FAILED',
      `bundle verification failed: ${n} problem${n === 1 ? '' : 's'} in ${escapeControl(o.dir)} (first: ${first})`,
    );
  }
  if (policy) throw invalid(`bundle verification failed: ${policy}`);
  return report;
}

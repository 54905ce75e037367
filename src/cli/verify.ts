/** `aicr verify BUNDLE_DIR`: is a bundle intact (checksums, vendored-chart provenance, recipe)? Work is imported lazily. */
import type { Command } from 'commander';
import { addFlags, examples, type FlagSpec, type FlagValues } from './flags.js';

const VERIFY_FLAGS = [
  {
    flags: '--format <format>',
    help: 'report format: text (default), table (same as text), json or yaml',
    kind: 'value',
  },
  {
    flags: '--min-trust-level <level>',
    help: 'fail (exit 2) below this trust level: max (default: the highest this bundle can reach), verified, attested, unverified, unknown',
    kind: 'value',
  },
  {
    flags: '--require-creator <identity>',
    help: 'require this bundle creator identity (needs an attested bundle; aicr bundles are not attested, so this fails)',
    kind: 'value',
  },
  {
    flags: '--cli-version-constraint <constraint>',
    help: 'require the aicr version recorded in the attestation to satisfy this (needs an attested bundle)',
    kind: 'value',
  },
  {
    flags: '--certificate-identity-regexp <regexp>',
    help: 'identity pattern for binary attestations (must contain ://github.com/NVIDIA/aicr/; no effect without attestations)',
    kind: 'value',
  },
] as const satisfies readonly FlagSpec[];

type VerifyOpts = FlagValues<typeof VERIFY_FLAGS>;

export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .argument('<bundle-dir>', 'bundle directory written by aicr bundle')
    .description(
      "Verify a bundle's checksums, vendored-chart provenance and recipe; prints the trust level (exit 9 when a check fails)",
    )
    .addHelpText(
      'after',
      examples([
        'aicr verify ./bundle',
        'aicr verify ./bundle --format json        # for CI',
        'aicr bundle -r recipe.yaml -o ./airgap --vendor-charts && aicr verify ./airgap',
        '',
        '# Checks: every file listed in checksums.txt present and matching, no unlisted file; each chart of',
        '# provenance.yaml (--vendor-charts) matches its archive (sha256, Chart.yaml name and version);',
        "# recipe.yaml's components are the bundle's component folders.",
        '# Exit codes: 0 intact; 9 a check failed (one line per problem); 2 bad flag or --min-trust-level not met;',
        '# 3 bundle directory not found.',
      ]),
    );
  addFlags(cmd, VERIFY_FLAGS);
  cmd.action(async (dir: string, opts: VerifyOpts) => {
    const { runVerify } = await import('../commands/verify.js');
    await runVerify({ dir, ...opts });
  });
}

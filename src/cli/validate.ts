/** `aicr validate`: check a recipe's constraints against a snapshot; CI-ready exit codes. */
import type { Command } from 'commander';
import { invalid } from '../errors/index.js';
import { parseFormat } from '../io/serialize.js';
import { splitList } from '../util/list.js';
import {
  addFlags,
  addKubeconfigFlag,
  addOutputFlags,
  examples,
  FlagState,
  type FlagSpec,
  type FlagValues,
} from './flags.js';
import { addConfigFlag } from './config.js';

/** Phases evaluable from a snapshot; readiness (top-level constraints) always runs. */
const SUPPORTED = ['readiness', 'deployment'] as const;
type Phase = (typeof SUPPORTED)[number];
/** Upstream phases that need in-cluster validator Jobs. */
const UNSUPPORTED = ['performance', 'conformance', 'all'];

/**
 * `--phase` values (repeatable, comma-separated allowed) → phases to evaluate, readiness first.
 * performance, conformance and all are refused (exit 2) rather than silently passing.
 */
export function parsePhases(values: readonly string[] | undefined): Phase[] {
  const requested = splitList(values);
  if (requested.length === 0) return [...SUPPORTED];
  for (const p of requested) {
    if (UNSUPPORTED.includes(p)) {
      const what =
        p === 'all' ? 'phase "all" includes performance and conformance, which are' : `phase "${p}" is`;
      throw invalid(
        `${what} not supported yet: it needs in-cluster validator Jobs; ` +
          `supported phases: ${SUPPORTED.join(', ')} (checked against the snapshot)`,
      );
    }
    if (!(SUPPORTED as readonly string[]).includes(p)) {
      throw invalid(
        `invalid phase "${p}": must be one of: ${SUPPORTED.join(', ')} ` +
          `(performance, conformance and all are not supported yet)`,
      );
    }
  }
  return SUPPORTED.filter((p) => p === 'readiness' || requested.includes(p));
}

/** `aicr validate` options, in help order (plus --output, --format and --kubeconfig). */
const VALIDATE_FLAGS = [
  {
    flags: '-r, --recipe <location>',
    help: 'recipe to check: file, - for stdin, http(s):// URL or cm://namespace/name (required)',
    kind: 'value',
  },
  {
    flags: '-s, --snapshot <location>',
    help: 'snapshot to check against: file, - for stdin, http(s):// URL or cm://namespace/name (required)',
    kind: 'value',
  },
  {
    flags: '--phase <phase>',
    help:
      'readiness (top-level constraints, always checked) or deployment (Deployment.<component>.version ' +
      "against the snapshot's Helm releases); comma-separated allowed (default: both); " +
      'performance and conformance are not supported yet',
    kind: 'list',
  },
  {
    flags: '--fail-on-error',
    help: 'exit 9 when any constraint fails or cannot be evaluated; =false always exits 0 after a successful check',
    kind: 'bool',
    default: true,
  },
  {
    flags: '--policy <path>',
    help:
      'Open Policy Agent policy: a .rego file (Rego v1) or a folder of them (sorted; *_test.rego left out); ' +
      'its deny/violation messages fail the run (exit 9); evaluated with the opa binary',
    kind: 'list',
  },
  {
    flags: '--opa <path>',
    help: 'the opa binary for --policy (env AICR_OPA; default: opa on PATH)',
    kind: 'value',
  },
  {
    flags: '--schema <version>',
    help: 'check the FILE arguments against the published JSON Schema of their kind (v1); exit 2 if any is invalid',
    kind: 'value',
  },
  {
    flags: '--no-cluster',
    help: 'accepted for compatibility; validate never runs in-cluster validators',
    kind: 'switch',
    hidden: true,
  },
] as const satisfies readonly FlagSpec[];

type ValidateOpts = FlagValues<typeof VALIDATE_FLAGS> & {
  output?: string;
  format?: string;
  kubeconfig?: string;
};

export function registerValidate(program: Command, st: FlagState): void {
  const cmd = program
    .command('validate')
    .description(
      "Check a recipe's constraints against a snapshot; exits 9 when a constraint fails (CI-ready)",
    );
  addFlags(cmd, VALIDATE_FLAGS);
  addOutputFlags(cmd, st);
  addKubeconfigFlag(cmd);
  addConfigFlag(cmd, 'validate');
  cmd.addHelpText(
    'after',
    examples([
      'aicr validate --recipe recipe.yaml --snapshot snapshot.yaml',
      'aicr validate -r recipe.yaml -s snapshot.yaml --format table',
      'aicr validate -r https://example.com/recipe.yaml -s cm://gpu-operator/aicr-snapshot -o result.json -t json',
      'aicr recipe --service eks --gpu h100 --intent training | aicr validate -r - -s snapshot.yaml',
      'aicr validate -r recipe.yaml -s snapshot.yaml --phase readiness --fail-on-error=false',
      'aicr validate -r recipe.yaml -s snapshot.yaml --policy policies/ --policy extra.rego',
      'aicr validate --schema v1 snapshot.yaml recipe.yaml result.json',
      '',
      '# Result status: pass; partial (nothing failed, some skipped); fail (a constraint failed or errored,',
      '# or a policy gave a deny/violation message).',
      '# Exit codes: 0 pass or partial (or any result with --fail-on-error=false); 9 fail;',
      '# 2 bad flag or document (--schema: a document does not match; --policy: no opa, Rego error);',
      '# 3 file or URL not found (HTTP 404); 5 HTTP or opa timeout; 6 URL unreachable.',
    ]),
  );
  cmd.argument('[files...]', 'with --schema: documents to check (file, -, http(s):// URL or cm://)');
  cmd.action(async (files: string[], opts: ValidateOpts) => {
    if (opts.schema !== undefined || files.length > 0) {
      if (opts.schema === undefined) {
        throw invalid(
          `unexpected argument "${files[0]}": validate takes documents as arguments only with --schema v1`,
        );
      }
      if (opts.recipe || opts.snapshot || opts.policy) {
        throw invalid(
          '--schema checks the FILE arguments only; run the constraint and policy check (--recipe, --snapshot, --policy) as a separate validate',
        );
      }
      const { runSchemaValidate } = await import('../commands/validate-schema.js');
      await runSchemaValidate({ version: opts.schema, files, kubeconfig: opts.kubeconfig });
      return;
    }
    const phases = parsePhases(opts.phase);
    if (!opts.recipe) throw invalid('--recipe is required: a recipe file, -, URL or cm://namespace/name');
    if (!opts.snapshot) {
      throw invalid(
        '--snapshot is required: capture one with "aicr snapshot" and pass the file, URL or cm:// location',
      );
    }
    const format = parseFormat(opts.format);
    const { checkInputLocation } = await import('../io/uri.js');
    checkInputLocation(opts.recipe, 'recipe');
    checkInputLocation(opts.snapshot, 'snapshot');
    const { kubeconfigInputs, preflightOutput } = await import('../io/writer.js');
    const inputs = [
      ['--recipe', opts.recipe],
      ['--snapshot', opts.snapshot],
      ...kubeconfigInputs(opts.kubeconfig, [opts.recipe, opts.snapshot, opts.output]),
    ] as const;
    await preflightOutput(opts.output, 'validation result', inputs);
    const { runValidate } = await import('../commands/validate.js');
    await runValidate({
      recipe: opts.recipe,
      snapshot: opts.snapshot,
      phases,
      format,
      output: opts.output,
      kubeconfig: opts.kubeconfig,
      failOnError: opts.failOnError ?? true,
      inputs,
      policies: opts.policy,
      opa: opts.opa,
    });
  });
}

/** `aicr diff BASELINE CURRENT`: drift between two snapshots (or recipes, validation results, fleet reports). */
import { Option, type Command } from 'commander';
import type { DiffFlags } from '../commands/diff.js';
import { collect, examples, FlagState } from './flags.js';

export function registerDiff(program: Command, st: FlagState): void {
  program
    .command('diff')
    .description(
      'Show what changed between two snapshots (or recipes, validation results, fleet reports): a JSON Patch, a change list or a table',
    )
    .argument('<baseline>', 'the earlier document: file, - for stdin, http(s):// URL or cm://namespace/name')
    .argument('<current>', 'the later document, same forms')
    .addOption(
      new Option(
        '-o, --output <location>',
        'where to write: file path, - for stdout (default), or cm://namespace/name',
      ).argParser(st.once('output')),
    )
    .addOption(
      new Option(
        '-t, --format <format>',
        'patch (RFC 6902 JSON Patch), json or yaml (a change list), table (default on a terminal; patch for -o *.json, else yaml)',
      ).argParser(st.once('format')),
    )
    .addOption(
      new Option(
        '--ignore <glob>',
        'leave out measurement paths matching the glob (* any characters, ? one), e.g. "OS.sysctl./proc/sys/fs/*" (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--no-default-ignores',
        'also compare readings that change on every run (metadata.timestamp, /proc/sys counters)',
      ),
    )
    .addOption(new Option('--exit-code', 'exit 1 when the documents differ (as git diff --exit-code)'))
    .addOption(
      new Option(
        '-k, --kubeconfig <path>',
        'kubeconfig for cm:// locations (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
      ).argParser(st.once('kubeconfig')),
    )
    .addHelpText(
      'after',
      examples([
        'aicr diff baseline.yaml current.yaml',
        'aicr diff baseline.yaml current.yaml --format patch -o drift.json',
        'aicr snapshot | aicr diff baseline.yaml - --exit-code --format table',
        'aicr diff cm://gpu-operator/aicr-baseline cm://gpu-operator/aicr-snapshot --ignore "K8s.image.*"',
        'aicr diff node-a.yaml fleet/fleet-report.yaml   # a node against the fleet majority',
        '',
        '# Measurements are matched by type/subtype/key: reordering is not a change.',
        '# Exit codes: 0 (differences or not), 1 with --exit-code when they differ, 2 bad input or kind',
        '# mismatch, 3 not found, 4-6 cluster or URL errors.',
      ]),
    )
    .action(async (baseline: string, current: string, opts: DiffFlags) => {
      const { runDiff } = await import('../commands/diff.js');
      await runDiff(baseline, current, opts);
    });
}

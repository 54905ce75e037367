/**
 * `aicr diff BASELINE CURRENT` (flags: src/cli/diff.ts): loads both documents, computes the changes
 * and the patch (src/diff/run.ts), writes them, and sets exit code 1 for `--exit-code` when they differ.
 */
import { invalid } from '../errors/index.js';
import { checkInputLocation } from '../io/uri.js';
import { kubeconfigInputs, preflightOutput, writeOutput } from '../io/writer.js';
import { chooseFormat, computeDiff, DEFAULT_IGNORES, loadDiffDocument, renderDiff } from '../diff/run.js';

export interface DiffFlags {
  output?: string;
  format?: string;
  ignore?: string[];
  defaultIgnores?: boolean;
  exitCode?: boolean;
  kubeconfig?: string;
}

export async function runDiff(baseline: string, current: string, opts: DiffFlags): Promise<void> {
  const format = chooseFormat(opts.format, opts.output, !!process.stdout.isTTY);
  checkInputLocation(baseline, 'baseline');
  checkInputLocation(current, 'current');
  const inputs = [
    ['baseline', baseline],
    ['current', current],
    ...kubeconfigInputs(opts.kubeconfig, [baseline, current, opts.output]),
  ] as const;
  await preflightOutput(opts.output, 'diff', inputs);
  if (baseline === '-' && current === '-') {
    throw invalid('only one of BASELINE and CURRENT can be - (stdin)');
  }
  const a = await loadDiffDocument(baseline, 'baseline', { kubeconfig: opts.kubeconfig });
  const b = await loadDiffDocument(current, 'current', { kubeconfig: opts.kubeconfig });
  const ignores = [...(opts.defaultIgnores === false ? [] : DEFAULT_IGNORES), ...(opts.ignore ?? [])];
  const result = computeDiff(a, b, ignores);
  await writeOutput(opts.output, renderDiff(result, format, a.location, b.location), {
    kind: 'diff',
    format: format === 'patch' ? 'json' : format,
    kubeconfig: opts.kubeconfig,
    inputs,
  });
  if (opts.exitCode && result.changes.length > 0) process.exitCode = 1;
}

/** `aicr query`: read any value of the fully hydrated recipe with a dot-path selector. */
import { Option, type Command } from 'commander';
import { parseFormat } from '../io/serialize.js';
import { addRecipeSourceFlags, examples, FlagState, recipeRequest, type CriteriaOpts } from './flags.js';

export function registerQuery(program: Command, st: FlagState): void {
  const cmd = program
    .command('query')
    .description('Print a value of the fully hydrated recipe (component values merged inline)')
    .addOption(
      new Option('--selector <path>', 'dot path into the hydrated recipe ("" or "." = everything)')
        .argParser(st.once('selector'))
        .makeOptionMandatory(),
    )
    .addHelpText(
      'after',
      examples([
        'aicr query --service eks --accelerator h100 --intent training --selector components.gpu-operator.values.driver.version',
        'aicr query --service eks --intent training --selector deploymentOrder',
        'aicr query --service eks --gpu h100 --intent training --selector components.gpu-operator --format json',
        'aicr query --snapshot snapshot.yaml --selector criteria.accelerator',
        "aicr query --service eks --selector ''",
      ]),
    );
  addRecipeSourceFlags(cmd, st, { output: false });
  cmd.action(async (opts: CriteriaOpts & { format?: string; selector: string }) => {
    const format = parseFormat(opts.format);
    const request = recipeRequest(opts);
    const { runQuery } = await import('../commands/query.js');
    await runQuery(request, opts.selector, format);
  });
}

/** `aicr recipe`: build a recipe from criteria flags, a criteria file or a snapshot. */
import type { Command } from 'commander';
import { parseFormat } from '../io/serialize.js';
import type { NamedInput } from '../io/writer.js';
import { addConfigFlag } from './config.js';
import { addRecipeSourceFlags, examples, FlagState, recipeRequest, type CriteriaOpts } from './flags.js';

export function registerRecipe(program: Command, st: FlagState): void {
  const cmd = program
    .command('recipe')
    .description('Generate a recipe (components, versions, constraints, order) for an environment')
    .addHelpText(
      'after',
      examples([
        'aicr recipe --service eks --accelerator h100 --intent training',
        'aicr recipe --service eks --gpu h100 --os ubuntu --intent training --platform kubeflow -o recipe.yaml',
        'aicr recipe --snapshot snapshot.yaml --intent inference',
        'aicr recipe --criteria criteria.yaml --service gke',
        'aicr recipe --service aks --intent training --data ./my-recipes --format json',
        'aicr recipe --snapshot cm://gpu-operator/aicr-snapshot -o cm://gpu-operator/aicr-recipe',
      ]),
    );
  addRecipeSourceFlags(cmd, st);
  addConfigFlag(cmd, 'recipe');
  cmd.action(async (opts: CriteriaOpts & { output?: string; format?: string }) => {
    const format = parseFormat(opts.format);
    const { kubeconfigInputs, preflightOutput } = await import('../io/writer.js');
    const inputs: NamedInput[] = [
      ['--snapshot', opts.snapshot],
      ['--criteria', opts.criteria],
      ['--data', opts.data],
      ...kubeconfigInputs(opts.kubeconfig, [opts.snapshot, opts.output]),
    ];
    const request = recipeRequest(opts);
    await preflightOutput(opts.output, 'recipe', inputs);
    const { runRecipe } = await import('../commands/recipe.js');
    await runRecipe(request, {
      output: opts.output,
      format,
      kubeconfig: opts.kubeconfig,
      inputs,
    });
  });
}

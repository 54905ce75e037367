/** `aicr bundle`: deployment artifacts (Helm or Argo CD) from a recipe. Work is imported lazily. */
import { Option, type Command } from 'commander';
import { invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import {
  addDataFlag,
  addKubeconfigFlag,
  boolOption,
  examples,
  FlagState,
  intParser,
  repeatable,
} from './flags.js';

interface BundleOpts {
  recipe: string;
  output?: string;
  set?: string[];
  systemNodeSelector?: string[];
  systemNodeToleration?: string[];
  acceleratedNodeSelector?: string[];
  acceleratedNodeToleration?: string[];
  workloadGate?: string;
  workloadSelector?: string[];
  nodes?: number;
  deployer?: string;
  repo?: string;
  failFast?: boolean;
  concurrency?: number;
  kubeconfig?: string;
  data?: string;
  force?: boolean;
}

export function registerBundle(program: Command, st: FlagState): void {
  const cmd = program
    .command('bundle')
    .description(
      'Generate deployment artifacts from a recipe: Helm values, manifests, scripts or Argo CD apps',
    )
    .addOption(
      new Option('-r, --recipe <location>', 'recipe: file, - for stdin, http(s) URL or cm://namespace/name')
        .argParser(st.once('recipe'))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '-o, --output <dir>',
        'output directory, replaced as a whole; must be absent, empty or an aicr bundle (default "./bundle")',
      ).argParser(st.once('output')),
    )
    .addOption(
      boolOption(
        '--force',
        'replace an existing output directory that is not an aicr bundle, deleting everything in it',
        false,
      ),
    )
    .addOption(
      new Option(
        '-d, --deployer <name>',
        'helm (per-component Helm bundle) or argocd (default "helm")',
      ).argParser(st.once('deployer')),
    )
    .addOption(
      new Option('--repo <url>', 'Git repository URL the Argo CD applications read values from').argParser(
        st.once('repo'),
      ),
    )
    .addOption(
      repeatable(
        '--set <component:path=value>',
        'override a value, e.g. gpuoperator:driver.version=580.82.07; component:enabled=false drops a component',
      ),
    )
    .addOption(repeatable('--system-node-selector <key=value>', 'node selector for system components'))
    .addOption(
      repeatable(
        '--system-node-toleration <key=value:Effect>',
        'toleration for system components (or key:Effect)',
      ),
    )
    .addOption(repeatable('--accelerated-node-selector <key=value>', 'node selector for GPU node components'))
    .addOption(
      repeatable(
        '--accelerated-node-toleration <key=value:Effect>',
        'toleration for GPU node components (or key:Effect)',
      ),
    )
    .addOption(
      new Option(
        '--workload-gate <key=value:Effect>',
        'taint that keeps workloads off nodes until Nodewright finished tuning them',
      ).argParser(st.once('workload-gate')),
    )
    .addOption(
      repeatable('--workload-selector <key=value>', 'labels of workloads Nodewright must not interrupt'),
    )
    .addOption(
      new Option(
        '--nodes <n>',
        'estimated number of GPU nodes, written to the registry node-count paths',
      ).argParser(intParser('nodes', 0)),
    )
    .addOption(boolOption('--fail-fast', 'stop at the first failing component', false))
    .addOption(
      new Option(
        '--concurrency <n>',
        'components generated at the same time (0 = all, 1 = one after another; default 0)',
      ).argParser(intParser('concurrency', 0)),
    )
    .addHelpText(
      'after',
      examples([
        'aicr recipe --service eks --accelerator h100 --intent training -o recipe.yaml',
        'aicr bundle -r recipe.yaml -o ./bundle',
        'aicr bundle -r recipe.yaml -o ./bundle --set gpuoperator:driver.version=580.82.07 --set nvsentinel:enabled=false',
        'aicr bundle -r recipe.yaml -o ./bundle --system-node-selector nodeGroup=system-pool --system-node-toleration dedicated=system:NoSchedule',
        'aicr bundle -r recipe.yaml -o ./bundle --accelerated-node-selector nodeGroup=gpu-worker --accelerated-node-toleration nvidia.com/gpu=present:NoSchedule',
        'aicr bundle -r recipe.yaml -o ./bundle --workload-gate nodewright.nvidia.com/runtime-required=true:NoSchedule --workload-selector app=training --nodes 8',
        'aicr bundle -r recipe.yaml -o ./gitops --deployer argocd --repo https://github.com/my-org/gpu-gitops.git',
        'aicr recipe --service eks --intent training | aicr bundle -r - -o ./bundle',
        '',
        '# Then: cd ./bundle && sha256sum -c checksums.txt && ./deploy.sh',
      ]),
    );
  addKubeconfigFlag(cmd);
  addDataFlag(cmd);
  cmd.action(async (opts: BundleOpts) => {
    const output = opts.output ?? 'bundle';
    if (output.startsWith('oci://'))
      throw invalid(`invalid --output "${output}": OCI registry output is not supported; use a directory`);
    const { parseDeployer, parseScheduling } = await import('../bundle/options.js');
    const deployer = parseDeployer(opts.deployer);
    const scheduling = parseScheduling(opts);
    const { runBundle } = await import('../bundle/run.js');
    await runBundle({
      recipe: opts.recipe,
      output,
      deployer,
      repo: opts.repo,
      set: opts.set ?? [],
      scheduling,
      failFast: opts.failFast ?? false,
      concurrency: opts.concurrency ?? 0,
      kubeconfig: opts.kubeconfig,
      data: opts.data,
      force: opts.force ?? false,
    });
    log().debug('bundle command finished');
  });
}

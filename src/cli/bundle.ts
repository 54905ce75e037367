/** `aicr bundle`: deployment artifacts (Helm or Argo CD) from a recipe. Work is imported lazily. */
import type { Command } from 'commander';
import { invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import {
  addDataFlag,
  addFlags,
  addKubeconfigFlag,
  examples,
  type FlagSpec,
  type FlagValues,
} from './flags.js';
import { addConfigFlag } from './config.js';

/** `aicr bundle` options, in help order (plus --kubeconfig and --data). */
const BUNDLE_FLAGS = [
  {
    flags: '-r, --recipe <location>',
    help: 'recipe: file, - for stdin, http(s) URL or cm://namespace/name (required; or spec.bundle.input.recipe in the configuration)',
    kind: 'value',
  },
  {
    flags: '-o, --output <dir>',
    help: 'output directory, replaced as a whole; must be absent, empty or an aicr bundle (default "./bundle"); or s3://bucket/prefix/ (uploaded, checksums.txt last)',
    kind: 'value',
  },
  {
    flags: '--force',
    help: 'replace an existing output directory that is not an aicr bundle, deleting everything in it',
    kind: 'bool',
    default: false,
  },
  {
    flags: '-d, --deployer <name>',
    help: 'helm (per-component Helm bundle) or argocd (default "helm")',
    kind: 'value',
  },
  {
    flags: '--repo <url>',
    help: 'Git repository URL the Argo CD applications read values from',
    kind: 'value',
  },
  {
    flags: '--set <component:path=value>',
    help: 'override a value, e.g. gpuoperator:driver.version=580.82.07; component:enabled=false drops a component',
    kind: 'list',
  },
  { flags: '--system-node-selector <key=value>', help: 'node selector for system components', kind: 'list' },
  {
    flags: '--system-node-toleration <key=value:Effect>',
    help: 'toleration for system components (or key:Effect)',
    kind: 'list',
  },
  {
    flags: '--accelerated-node-selector <key=value>',
    help: 'node selector for GPU node components',
    kind: 'list',
  },
  {
    flags: '--accelerated-node-toleration <key=value:Effect>',
    help: 'toleration for GPU node components (or key:Effect)',
    kind: 'list',
  },
  {
    flags: '--workload-gate <key=value:Effect>',
    help: 'taint that keeps workloads off nodes until Nodewright finished tuning them',
    kind: 'value',
  },
  {
    flags: '--workload-selector <key=value>',
    help: 'labels of workloads Nodewright must not interrupt',
    kind: 'list',
  },
  {
    flags: '--nodes <n>',
    help: 'estimated number of GPU nodes, written to the registry node-count paths',
    kind: 'int',
  },
  { flags: '--fail-fast', help: 'stop at the first failing component', kind: 'bool', default: false },
  {
    flags: '--concurrency <n>',
    help: 'components generated at the same time (0 = all, 1 = one after another; default 0)',
    kind: 'int',
  },
  {
    flags: '--vendor-charts',
    help: 'pull every Helm chart (exact version) into the bundle with helm pull and record it in provenance.yaml; deploy.sh then needs no chart repository (needs helm on PATH)',
    kind: 'bool',
    default: false,
  },
  {
    flags: '--plain-http',
    help: 'with --vendor-charts: reach oci:// chart registries over plain HTTP (helm pull --plain-http), e.g. a local registry',
    kind: 'bool',
    default: false,
  },
  {
    flags: '--repository-config <file>',
    help: "with --vendor-charts: helm's repositories file (credentials of classic repositories; default: helm's)",
    kind: 'value',
  },
  {
    flags: '--registry-config <file>',
    help: "with --vendor-charts: helm's OCI registry credentials file (default: helm's)",
    kind: 'value',
  },
  {
    flags: '--repository-cache <dir>',
    help: "with --vendor-charts: helm's repository index cache (default: helm's)",
    kind: 'value',
  },
] as const satisfies readonly FlagSpec[];

type BundleOpts = FlagValues<typeof BUNDLE_FLAGS> & { kubeconfig?: string; data?: string };

export function registerBundle(program: Command): void {
  const cmd = program
    .command('bundle')
    .description(
      'Generate deployment artifacts from a recipe: Helm values, manifests, scripts or Argo CD apps',
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
        'aicr bundle -r recipe.yaml -o ./airgap --vendor-charts          # charts inside; then: aicr verify ./airgap',
        'aicr bundle -r s3://my-bucket/recipes/h100.yaml -o s3://my-bucket/bundles/h100/',
        '',
        '# Then: cd ./bundle && sha256sum -c checksums.txt && ./deploy.sh',
      ]),
    );
  addFlags(cmd, BUNDLE_FLAGS);
  addKubeconfigFlag(cmd);
  addDataFlag(cmd);
  addConfigFlag(cmd, 'bundle');
  cmd.action(async (opts: BundleOpts) => {
    if (!opts.recipe) {
      throw invalid(
        "required option '-r, --recipe <location>' not specified (or spec.bundle.input.recipe in the configuration file)",
      );
    }
    const recipe = opts.recipe;
    const output = opts.output ?? 'bundle';
    if (output.startsWith('oci://'))
      throw invalid(`invalid --output "${output}": OCI registry output is not supported; use a directory`);
    const { parseDeployer, parseScheduling, runBundle } = await import('../commands/bundle.js');
    const deployer = parseDeployer(opts.deployer);
    const scheduling = parseScheduling(opts);
    const helmOnly = ['plainHttp', 'repositoryConfig', 'registryConfig', 'repositoryCache'] as const;
    const stray = helmOnly.find((k) => opts[k] !== undefined && opts[k] !== false);
    if (stray && !opts.vendorCharts) {
      const flag = '--' + stray.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase());
      throw invalid(`${flag} only applies with --vendor-charts (it configures helm pull)`);
    }
    await runBundle({
      recipe,
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
      vendor: opts.vendorCharts
        ? {
            plainHttp: opts.plainHttp ?? false,
            repositoryConfig: opts.repositoryConfig,
            registryConfig: opts.registryConfig,
            repositoryCache: opts.repositoryCache,
            concurrency: opts.concurrency ?? 0,
          }
        : undefined,
    });
    log().debug('bundle command finished');
  });
}

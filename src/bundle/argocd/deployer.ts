/**
 * The Argo CD deployer: one `Application` per component (`<name>/application.yaml`) ordered by the
 * `argocd.argoproj.io/sync-wave` annotation (0-based position in the deployment order), the
 * component's `values.yaml`, its rendered manifests, and an app-of-apps (`app-of-apps.yaml`) that
 * picks up every `*\/application.yaml` of the repository.
 *
 * Helm components are multi-source Applications: the chart from its repository, and the bundle's
 * git repository (`--repo`) as the `$values` source; rendered manifests are a third source (the
 * `<name>/manifests` folder of the same repository). Manifest-only components have the manifests
 * folder as their single source; Kustomize components point at their kustomization.
 * `--repo` is written everywhere (no template placeholders); it is required for this deployer.
 */
import { invalid } from '../../errors/index.js';
import { toYaml } from '../../io/yaml-emit.js';
import { FILE_MODE, type GeneratedFile } from '../checksums.js';
import type { ComponentOutput, DeployContext, Deployer } from '../deployer.js';
import { bareVersion, componentView, isOci } from '../helm/chart.js';
import { renderBundleTemplate } from '../templates/index.js';
import { valuesYaml } from '../values-file.js';
import { shq } from '../shell.js';

export const ARGOCD_NAMESPACE = 'argocd';
export const TARGET_REVISION = 'main';
export const APP_OF_APPS_NAME = 'nvidia-stack';
const IN_CLUSTER = 'https://kubernetes.default.svc';

function repoOf(ctx: DeployContext): string {
  if (!ctx.repo) throw invalid('--deployer argocd requires --repo <git URL>');
  checkRepoUrl(ctx.repo);
  return ctx.repo;
}

const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
const REPO_PATH = String.raw`[A-Za-z0-9._~%+-]+(?:/[A-Za-z0-9._~%+-]+)*/?`;
const USER = String.raw`[A-Za-z0-9._-]+`;
const REPO_FORMS: RegExp[] = [
  new RegExp(`^https://${HOST}(?::\\d{1,5})?/${REPO_PATH}$`),
  new RegExp(`^ssh://(?:${USER}@)?${HOST}(?::\\d{1,5})?/${REPO_PATH}$`),
  new RegExp(`^${USER}@${HOST}:(?!-)/?${REPO_PATH}$`),
];

/**
 * `--repo`: a git URL Argo CD can read — `https://host[:port]/path`, `ssh://[user@]host[:port]/path`
 * or scp-like `user@host:path` — without credentials, query, fragment, spaces or shell syntax.
 */
export function checkRepoUrl(repo: string): void {
  if (REPO_FORMS.some((re) => re.test(repo))) return;
  const creds = /^https?:\/\/[^/@]*@/i.test(repo);
  // Never echo what may be a token: user information of http(s) URLs is masked.
  const shown = JSON.stringify(creds ? repo.replace(/^(https?:\/\/)[^/@]*@/i, '$1***@') : repo);
  throw invalid(
    `invalid --repo ${shown}: ${creds ? 'credentials are not allowed in the URL (register them in Argo CD instead); ' : ''}expected a git URL: https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git (letters, digits and . _ ~ % + - / in the path)`,
  );
}

export function application(o: ComponentOutput, ctx: DeployContext): Record<string, unknown> {
  const { c } = o;
  const repo = repoOf(ctx);
  const manifestsSource = { repoURL: repo, targetRevision: TARGET_REVISION, path: `${c.name}/manifests` };
  const hasManifests = o.manifests.length > 0;
  const spec: Record<string, unknown> = { project: 'default' };
  if (c.kind === 'kustomize') {
    const source: Record<string, unknown> = { repoURL: c.source, targetRevision: c.tag || 'HEAD' };
    source.path = c.path || '.';
    if (hasManifests) spec.sources = [source, manifestsSource];
    else spec.source = source;
  } else if (c.kind === 'helm') {
    // OCI chart repositories in Argo CD's Helm form: registry path without the scheme, plus chart.
    const sources: Record<string, unknown>[] = [
      {
        repoURL: c.source.replace(/^oci:\/\//, ''),
        chart: c.chart,
        targetRevision: bareVersion(c.version) || '*',
        helm: { releaseName: c.name, valueFiles: [`$values/${c.name}/values.yaml`] },
      },
      { repoURL: repo, targetRevision: TARGET_REVISION, ref: 'values' },
    ];
    if (hasManifests) sources.push(manifestsSource);
    spec.sources = sources;
  } else {
    spec.source = manifestsSource;
  }
  spec.destination = { server: IN_CLUSTER, namespace: c.namespace };
  const syncOptions = ['CreateNamespace=true'];
  if (hasManifests) syncOptions.push('SkipDryRunOnMissingResource=true');
  spec.syncPolicy = { automated: { prune: true, selfHeal: true }, syncOptions };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: c.name,
      namespace: ARGOCD_NAMESPACE,
      annotations: { 'argocd.argoproj.io/sync-wave': String(c.wave) },
    },
    spec,
  };
}

export function appOfApps(ctx: DeployContext): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: APP_OF_APPS_NAME, namespace: ARGOCD_NAMESPACE },
    spec: {
      project: 'default',
      source: {
        repoURL: repoOf(ctx),
        targetRevision: TARGET_REVISION,
        path: '.',
        directory: { recurse: true, include: '*/application.yaml' },
      },
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

/** README.md, rendered from src/bundle/templates/argocd-README.md.tmpl. */
function readme(outs: ComponentOutput[], ctx: DeployContext): string {
  return renderBundleTemplate('argocd-README.md', {
    recipeVersion: String(ctx.recipe.metadata?.version || 'unknown'),
    toolVersion: ctx.toolVersion,
    repo: repoOf(ctx),
    appOfApps: APP_OF_APPS_NAME,
    components: outs.map((o, i) => ({
      ...componentView(o.c, o.manifests.length > 0, i),
      manifestFiles: o.manifests.map((m) => m.file),
    })),
    ociRegistries: outs
      .filter(({ c }) => c.kind === 'helm' && isOci(c.source))
      .map(({ c }) => c.source.replace(/^oci:\/\//, '')),
  });
}

export const argocdDeployer: Deployer = {
  name: 'argocd',
  title: 'ArgoCD applications',
  componentFiles(o: ComponentOutput, ctx: DeployContext): GeneratedFile[] {
    const files: GeneratedFile[] = [
      { path: `${o.c.name}/application.yaml`, content: toYaml(application(o, ctx)), mode: FILE_MODE },
    ];
    if (o.c.kind !== 'kustomize') {
      files.push({
        path: `${o.c.name}/values.yaml`,
        content: valuesYaml(o.c, o.values, ctx.toolVersion),
        mode: FILE_MODE,
      });
    }
    for (const m of o.manifests) {
      files.push({ path: `${o.c.name}/manifests/${m.file}`, content: m.content, mode: FILE_MODE });
    }
    return files;
  },
  rootFiles(outs: ComponentOutput[], ctx: DeployContext): GeneratedFile[] {
    return [
      { path: 'app-of-apps.yaml', content: toYaml(appOfApps(ctx)), mode: FILE_MODE },
      { path: 'README.md', content: readme(outs, ctx), mode: FILE_MODE },
    ];
  },
  trailingFiles(): GeneratedFile[] {
    return [];
  },
  nextSteps(outputDir: string): string[] {
    return [
      `cd ${shq(outputDir)} && sha256sum -c checksums.txt`,
      'Push the generated files to the root of your GitOps repository (branch main)',
      `kubectl apply -f ${shq(`${outputDir}/app-of-apps.yaml`)}`,
    ];
  },
  notes(): string[] {
    return [];
  },
};

/** How a component is installed: chart references and Kustomize URLs shared by scripts and READMEs. */
import type { PlannedComponent } from '../components.js';

export function isOci(source: string): boolean {
  return source.startsWith('oci://');
}

/** Words after `helm upgrade --install <release>`: chart ref, `--repo` for HTTP repos, `--version`. */
export function helmChartArgs(c: PlannedComponent): string[] {
  const args = isOci(c.source)
    ? [`${c.source.replace(/\/+$/, '')}/${c.chart}`]
    : [c.chart, '--repo', c.source];
  if (c.version) args.push('--version', c.version);
  return args;
}

/** `<source>//<path>?ref=<tag>` (ref only with a tag). */
export function kustomizeUrl(c: PlannedComponent): string {
  let url = c.source;
  if (c.path) url += `//${c.path.replace(/^\/+/, '')}`;
  if (c.tag) url += `?ref=${c.tag}`;
  return url;
}

/** Version without a leading `v` (Argo CD targetRevision, `.Chart.Version`). */
export function bareVersion(v: string): string {
  return v.replace(/^v(?=\d)/, '');
}

export function kindLabel(c: PlannedComponent): string {
  return c.kind === 'helm' ? 'Helm' : c.kind === 'kustomize' ? 'Kustomize' : 'Manifests';
}

/**
 * What the bundle templates (src/bundle/templates) see of one component: its fields, how it is
 * installed (chart arguments, Kustomize URL) and how READMEs show it. Values are raw; templates
 * quote them (`shq`, `md`, `cell`).
 */
export function componentView(c: PlannedComponent, hasManifests: boolean, index: number, vendored?: string) {
  return {
    position: index + 1,
    name: c.name,
    namespace: c.namespace,
    kind: c.kind,
    kindLabel: kindLabel(c),
    hasManifests,
    chart: c.chart,
    source: c.source,
    version: c.version,
    path: c.path,
    tag: c.tag,
    wave: c.wave,
    chartArgs: c.kind === 'helm' ? (vendored ? [vendored] : helmChartArgs(c)) : [],
    /** Bundle-relative path of the vendored chart archive (`--vendor-charts`), else "". */
    chartPath: vendored ?? '',
    kustomizeUrl: c.kind === 'kustomize' ? kustomizeUrl(c) : '',
    /** Version column of README tables: the Kustomize tag or the chart version. */
    shownVersion: c.kind === 'kustomize' ? c.tag : c.version,
    /** Source column of the root README. */
    shownSource:
      c.kind === 'kustomize'
        ? `${c.source} (${c.path || '.'})`
        : c.kind === 'helm'
          ? `${c.chart} (${c.source})`
          : '-',
    deploy: c.registry?.deploy ?? {},
  };
}

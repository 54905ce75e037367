/**
 * deploy.sh and undeploy.sh of the Helm bundle (bash; shellcheck-clean), rendered from
 * src/bundle/templates/{deploy,undeploy}.sh.tmpl. This module only prepares the data; every value
 * reaches the script through the templates' quoting functions (`shq`, `words`, `scriptPath`).
 *
 * deploy.sh installs components in deployment order: Helm charts with `helm upgrade --install`
 * (charts from their repository, values from the bundle), Kustomize components with
 * `kustomize build | kubectl apply`, manifest-only components with `kubectl apply`. Every step is
 * retried with backoff (attempt² × 5 s, at most 120 s); `--no-wait`, `--best-effort` and
 * `--retries N` tune it. Manifests of a chart are applied before the chart (tolerating resources
 * whose CRD the chart installs) and again after it.
 *
 * undeploy.sh removes them in reverse order, then cleans up webhooks, CRDs and namespaces.
 *
 * Component-specific behaviour (installed without --wait, kubelet-plugin restarts, CRD groups that
 * outlive their chart, extra namespaces) comes from the registry entry's `deploy:` facts.
 */
import type { RegistryDeploy } from '../../model/recipe.js';
import type { PlannedComponent } from '../components.js';
import { renderBundleTemplate } from '../templates/index.js';
import { componentView } from './chart.js';

export interface ScriptComponent {
  c: PlannedComponent;
  hasManifests: boolean;
  /** Bundle-relative path of the vendored chart archive (`--vendor-charts`). */
  chartPath?: string;
}

/** Namespaces never deleted by undeploy.sh. */
export const PROTECTED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];

function uniq(list: string[]): string[] {
  return list.filter((x, i) => list.indexOf(x) === i);
}

function deployFacts(c: PlannedComponent): RegistryDeploy {
  return c.registry?.deploy ?? {};
}

/** `grep -E` pattern of the CRD names of an API group. */
function crdPattern(group: string): string {
  return '\\.' + group.replace(/\./g, '\\.') + '$';
}

export function deployScript(components: ScriptComponent[], toolVersion: string): string {
  const orphanChecks = components.flatMap(({ c }) =>
    (deployFacts(c).orphanCrdGroups ?? []).map((group) => ({
      name: c.name,
      namespace: c.namespace,
      group,
      pattern: crdPattern(group),
    })),
  );
  return renderBundleTemplate('deploy.sh', {
    version: toolVersion,
    components: components.map((s, i) => componentView(s.c, s.hasManifests, i, s.chartPath)),
    namespaces: uniq(components.map((s) => s.c.namespace)),
    asyncComponents: components
      .filter((s) => deployFacts(s.c).async)
      .map((s) => s.c.name)
      .join(' '),
    orphanChecks,
  });
}

export function undeployScript(components: ScriptComponent[], toolVersion: string): string {
  const reversed = [...components].reverse();
  const facts = components.map((s) => deployFacts(s.c));
  return renderBundleTemplate('undeploy.sh', {
    version: toolVersion,
    components: reversed.map((s, i) => componentView(s.c, s.hasManifests, i, s.chartPath)),
    namespaces: uniq(reversed.filter((s) => s.c.kind !== 'manifest').map((s) => s.c.namespace)).filter(
      (n) => !PROTECTED_NAMESPACES.includes(n),
    ),
    crdPatterns: facts.flatMap((f) => f.orphanCrdGroups ?? []).map(crdPattern),
    extraNamespaces: uniq(facts.flatMap((f) => f.extraNamespaces ?? [])),
  });
}

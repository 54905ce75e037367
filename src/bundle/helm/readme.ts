/**
 * README.md files of the Helm bundle, one per component and one at the root, rendered from
 * src/bundle/templates/{component-README,README}.md.tmpl.
 */
import type { RecipeResult } from '../../model/recipe.js';
import { renderBundleTemplate } from '../templates/index.js';
import { componentView } from './chart.js';
import type { ScriptComponent } from './scripts.js';

export function componentReadme(s: ScriptComponent, toolVersion: string): string {
  return renderBundleTemplate('component-README.md', {
    ...componentView(s.c, s.hasManifests, 0),
    ...(s.chartPath
      ? {
          chartArgs: [s.chartPath.slice(s.c.name.length + 1)],
          chartPath: s.chartPath.slice(s.c.name.length + 1),
        }
      : {}),
    toolVersion,
  });
}

const CRITERIA_LABELS: [string, string][] = [
  ['service', 'Service'],
  ['accelerator', 'Accelerator'],
  ['intent', 'Intent'],
  ['os', 'OS'],
  ['platform', 'Platform'],
];

/** The recipe's criteria shown under "Target Environment" (unset and `any` left out). */
function environment(recipe: RecipeResult): { label: string; value: string }[] {
  const c = recipe.criteria as unknown as Record<string, unknown> | undefined;
  const out: { label: string; value: string }[] = [];
  for (const [k, label] of CRITERIA_LABELS) {
    const v = c?.[k];
    if (v !== undefined && v !== null && v !== '' && v !== 'any') out.push({ label, value: String(v) });
  }
  if (typeof c?.nodes === 'number' && c.nodes > 0) out.push({ label: 'Nodes', value: String(c.nodes) });
  return out;
}

export function rootReadme(recipe: RecipeResult, comps: ScriptComponent[], toolVersion: string): string {
  return renderBundleTemplate('README.md', {
    vendored: comps.some((s) => s.chartPath),
    recipeVersion: String(recipe.metadata?.version || 'unknown'),
    toolVersion,
    environment: environment(recipe),
    components: comps.map((s, i) => componentView(s.c, s.hasManifests, i, s.chartPath)),
    constraints: recipe.constraints ?? [],
    removalOrder: comps.map((s) => s.c.name).reverse(),
  });
}

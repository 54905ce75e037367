/**
 * The Helm deployer (default): per component `<name>/values.yaml`, `<name>/README.md` and
 * `<name>/manifests/*`; at the root `README.md`, `deploy.sh`, `undeploy.sh` and `recipe.yaml`
 * (the recipe reduced to the bundled components).
 */
import { serialize } from '../../io/serialize.js';
import type { RecipeResult } from '../../model/recipe.js';
import { FILE_MODE, SCRIPT_MODE, type GeneratedFile } from '../checksums.js';
import type { ComponentOutput, DeployContext, Deployer } from '../deployer.js';
import { valuesYaml } from '../values-file.js';
import { shq } from '../shell.js';
import { componentReadme, rootReadme } from './readme.js';
import { deployScript, undeployScript, type ScriptComponent } from './scripts.js';

function scriptComponents(outs: ComponentOutput[], ctx: DeployContext): ScriptComponent[] {
  return outs.map((o) => ({
    c: o.c,
    hasManifests: o.manifests.length > 0,
    chartPath: ctx.charts?.get(o.c.name),
  }));
}

/** The recipe as bundled: only enabled components, deploymentOrder reduced accordingly. */
export function bundledRecipe(recipe: RecipeResult, names: string[]): RecipeResult {
  const keep = new Set(names);
  const out: RecipeResult = { ...recipe };
  out.componentRefs = (recipe.componentRefs ?? []).filter((r) => keep.has(r.name));
  if (recipe.deploymentOrder) out.deploymentOrder = recipe.deploymentOrder.filter((n) => keep.has(n));
  return out;
}

export const helmDeployer: Deployer = {
  name: 'helm',
  title: 'Helm per-component bundle',
  componentFiles(o: ComponentOutput, ctx: DeployContext): GeneratedFile[] {
    const files: GeneratedFile[] = [];
    // Kustomize components take no Helm values: no values.yaml for them.
    if (o.c.kind !== 'kustomize') {
      files.push({
        path: `${o.c.name}/values.yaml`,
        content: valuesYaml(o.c, o.values, ctx.toolVersion),
        mode: FILE_MODE,
      });
    }
    files.push({
      path: `${o.c.name}/README.md`,
      content: componentReadme(
        { c: o.c, hasManifests: o.manifests.length > 0, chartPath: ctx.charts?.get(o.c.name) },
        ctx.toolVersion,
      ),
      mode: FILE_MODE,
    });
    for (const m of o.manifests) {
      files.push({ path: `${o.c.name}/manifests/${m.file}`, content: m.content, mode: FILE_MODE });
    }
    return files;
  },
  rootFiles(outs: ComponentOutput[], ctx: DeployContext): GeneratedFile[] {
    const sc = scriptComponents(outs, ctx);
    return [
      { path: 'README.md', content: rootReadme(ctx.recipe, sc, ctx.toolVersion), mode: FILE_MODE },
      { path: 'deploy.sh', content: deployScript(sc, ctx.toolVersion), mode: SCRIPT_MODE },
      { path: 'undeploy.sh', content: undeployScript(sc, ctx.toolVersion), mode: SCRIPT_MODE },
    ];
  },
  trailingFiles(ctx: DeployContext): GeneratedFile[] {
    return [{ path: 'recipe.yaml', content: serialize(ctx.recipe, 'yaml'), mode: FILE_MODE }];
  },
  nextSteps(outputDir: string): string[] {
    return [`cd ${shq(outputDir)}`, 'sha256sum -c checksums.txt', './deploy.sh'];
  },
  notes(): string[] {
    return [];
  },
};

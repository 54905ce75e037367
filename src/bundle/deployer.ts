/** What a deployer contributes to a bundle: per-component files, root files and next steps. */
import type { RecipeResult } from '../model/recipe.js';
import type { PlainMap } from '../util/objects.js';
import type { GeneratedFile } from './checksums.js';
import type { PlannedComponent } from './components.js';
import type { RenderedManifest } from './manifests.js';
import type { DeployerName } from './options.js';

export interface ComponentOutput {
  c: PlannedComponent;
  values: PlainMap;
  manifests: RenderedManifest[];
}

export interface DeployContext {
  recipe: RecipeResult;
  toolVersion: string;
  /** Git repository URL for Argo CD (`--repo`). */
  repo?: string;
  /** `--vendor-charts`: component → bundle-relative path of its chart archive. */
  charts?: Map<string, string>;
}

export interface Deployer {
  name: DeployerName;
  /** Words for the summary line ("Helm per-component bundle generated"). */
  title: string;
  componentFiles(o: ComponentOutput, ctx: DeployContext): GeneratedFile[];
  /** Root files, given every component's output in deployment order. */
  rootFiles(outs: ComponentOutput[], ctx: DeployContext): GeneratedFile[];
  /** Files written after data/ (covered by checksums too). */
  trailingFiles(ctx: DeployContext): GeneratedFile[];
  nextSteps(outputDir: string, ctx: DeployContext): string[];
  notes(ctx: DeployContext): string[];
}

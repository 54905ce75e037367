/** Shared set-up for bundle tests: recipes built from the embedded catalog, temp dirs, tree reads. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DirectorySource } from '../../src/catalog/directory.js';
import { generateBundle, type BundleResult } from '../../src/bundle/generate.js';
import { parseScheduling, type DeployerName } from '../../src/bundle/options.js';
import { loadRecipe } from '../../src/model/load.js';
import type { ComponentRegistry, RecipeResult } from '../../src/model/recipe.js';
import { normalizeRegistry } from '../../src/recipe/registry.js';
import { repoRoot } from '../helpers/paths.js';
import { buildRecipe } from '../../src/recipe/builder.js';
import { anyCriteria } from '../../src/model/criteria.js';
import { openStore, type RecipeStore } from '../../src/recipe/store.js';

export type CriteriaInput = Partial<Record<'service' | 'accelerator' | 'intent' | 'os' | 'platform', string>>;

/** The embedded catalog's recipe for `criteria`, and the store it came from. */
export async function catalogRecipe(
  criteria: CriteriaInput,
): Promise<{ recipe: RecipeResult; store: RecipeStore }> {
  const store = await openStore();
  const recipe = buildRecipe(store, { ...anyCriteria(), ...criteria });
  return { recipe, store };
}

export const EKS_TRAINING: CriteriaInput = {
  service: 'eks',
  accelerator: 'h100',
  intent: 'training',
  os: 'ubuntu',
};
/** Every component of the catalog's training stack (13 components). */
export const EKS_TRAINING_KUBEFLOW: CriteriaInput = { ...EKS_TRAINING, platform: 'kubeflow' };

export function tempDir(prefix = 'aicr-bundle-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file below `dir` (relative, `/`-separated, sorted) with its content. */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.set(r, readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return out;
}

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
) {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The golden-file bundle: test/fixtures/bundle/recipe.yaml over test/fixtures/bundle/catalog. */
export const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'bundle');

export async function goldenBundle(outputDir: string, deployer: DeployerName): Promise<BundleResult> {
  const source = new DirectorySource(path.join(FIXTURES, 'catalog'));
  const registry = normalizeRegistry(source.doc('registry.yaml') as ComponentRegistry);
  return generateBundle({
    recipe: await loadRecipe(path.join(FIXTURES, 'recipe.yaml')),
    source,
    registry,
    outputDir,
    deployer,
    repo: 'https://git.example.com/platform/gpu-stack.git',
    set: ['demo:operator.logLevel=debug', 'certmanager:webhook.replicaCount=2'],
    scheduling: parseScheduling({
      systemNodeSelector: ['nodeGroup=system-pool'],
      systemNodeToleration: ['dedicated=system:NoSchedule'],
      acceleratedNodeSelector: ['nodeGroup=gpu-worker'],
      acceleratedNodeToleration: ['nvidia.com/gpu=present:NoSchedule'],
      workloadGate: 'demo.example.com/not-ready=true:NoSchedule',
      nodes: 4,
    }),
    toolVersion: 'v0.0.0-golden',
  });
}

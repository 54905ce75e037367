/**
 * Bundle generation: plan the components, run the registry validations, then generate every
 * component concurrently (values, manifests, deployer files written to a staging directory), then
 * the root files, `data/` (with `--data`) and `checksums.txt`, and finally move the staged tree into
 * the output directory. Any failure leaves the output directory as it was.
 *
 * Failures: by default every failing component is reported (one error listing them all); with
 * `failFast` the first failure stops the components that have not started yet.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AicrError, type ErrorCode } from '../errors/index.js';
import type { DataSource } from '../catalog/source.js';
import type { ComponentRegistry, RecipeResult } from '../model/recipe.js';
import { argocdDeployer } from './argocd/deployer.js';
import { byteSize, checksumsFile, FILE_MODE, type GeneratedFile } from './checksums.js';
import { planComponents, type PlannedComponent } from './components.js';
import type { ComponentOutput, DeployContext, Deployer } from './deployer.js';
import { bundledRecipe, helmDeployer } from './helm/deployer.js';
import { renderManifests, type TemplateRenderer } from './manifests.js';
import type { DeployerName, Scheduling } from './options.js';
import { Staging } from './staging.js';
import { runValidations } from './validations.js';
import { finalValues } from './values.js';

export const DEPLOYER_IMPLS: Record<DeployerName, Deployer> = { helm: helmDeployer, argocd: argocdDeployer };

export interface BundleRequest {
  recipe: RecipeResult;
  /** Catalog data: values files and manifest templates. */
  source: DataSource;
  registry?: ComponentRegistry;
  outputDir: string;
  deployer?: DeployerName;
  /** Git repository URL (Argo CD). */
  repo?: string;
  /** Raw `--set` values (`component:path=value`). */
  set?: string[];
  scheduling?: Scheduling;
  failFast?: boolean;
  /** Components generated at once: 0 or undefined = all, 1 = one after another. */
  concurrency?: number;
  /** External data directory (`--data`), copied into `data/`. */
  dataDir?: string;
  toolVersion: string;
  /** Template engine for manifestFiles (defaults to src/template). */
  render?: TemplateRenderer;
}

export interface BundleResult {
  outputDir: string;
  deployer: DeployerName;
  title: string;
  components: string[];
  disabled: string[];
  files: { path: string; bytes: number }[];
  totalBytes: number;
  /** Validation warnings and deployer notes. */
  notes: string[];
  nextSteps: string[];
  durationMs: number;
}

async function defaultRenderer(): Promise<TemplateRenderer> {
  const { renderTemplate } = await import('./template-adapter.js');
  return renderTemplate;
}

/** Runs `tasks` with at most `limit` at once (0 = all). Stops starting new ones when `stop()` says so. */
async function pool<T>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  const width = limit > 0 ? Math.min(limit, items.length) : items.length;
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next++];
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function dataFiles(dataDir: string): Promise<GeneratedFile[]> {
  const { DirectorySource } = await import('../catalog/directory.js');
  const src = new DirectorySource(dataDir);
  const files = [...src.files()].sort();
  return Promise.all(
    files.map(async (rel) => ({
      path: `data/${rel}`,
      content: await readFile(path.join(path.resolve(dataDir), ...rel.split('/'))),
      mode: FILE_MODE,
    })),
  );
}

function componentError(c: PlannedComponent, err: unknown): AicrError {
  return new AicrError(err instanceof AicrError ? err.code : 'INTERNAL', `component "${c.name}"`, err);
}

/** The code that decides the exit status: the innermost structured code that is not INTERNAL. */
function decisiveCode(err: unknown): ErrorCode {
  let found: ErrorCode = 'INTERNAL';
  for (let cur: unknown = err, i = 0; cur instanceof Error && i < 50; cur = cur.cause, i++) {
    if (cur instanceof AicrError && cur.code !== 'INTERNAL') found = cur.code;
  }
  return found;
}

function combinedError(failures: AicrError[]): AicrError {
  if (failures.length === 1) return failures[0];
  const text = failures.map((f) => `  - ${f.toString()}`).join('\n');
  return new AicrError(
    decisiveCode(failures[0]),
    `bundle generation failed for ${failures.length} components:\n${text}`,
  );
}

export async function generateBundle(req: BundleRequest): Promise<BundleResult> {
  const started = performance.now();
  const deployerName = req.deployer ?? 'helm';
  const deployer = DEPLOYER_IMPLS[deployerName];
  const scheduling = req.scheduling ?? {};
  const plan = planComponents(req.recipe, req.registry, req.set ?? []);
  const { warnings } = runValidations(plan.components, req.recipe.criteria, scheduling);
  const render =
    req.render ??
    (plan.components.some((c) => c.ref.manifestFiles?.length) ? await defaultRenderer() : undefined);
  const ctx: DeployContext = {
    recipe: bundledRecipe(
      req.recipe,
      plan.components.map((c) => c.name),
    ),
    toolVersion: req.toolVersion,
    repo: req.repo,
  };

  const staging = await Staging.open(req.outputDir);
  const outputs = new Map<string, { out: ComponentOutput; files: GeneratedFile[] }>();
  const failures: { wave: number; err: AicrError }[] = [];
  const stopped = () => !!req.failFast && failures.length > 0;
  try {
    await pool(
      plan.components,
      req.concurrency ?? 0,
      async (c) => {
        try {
          // Yield first, so that components run interleaved and fail-fast can stop those not begun.
          await Promise.resolve();
          if (stopped()) return;
          const values = finalValues(req.source, c, scheduling);
          const manifests = c.ref.manifestFiles?.length
            ? await renderManifests(req.source, c, values, render!)
            : [];
          if (stopped()) return;
          const out: ComponentOutput = { c, values, manifests };
          const files = deployer.componentFiles(out, ctx);
          for (const f of files) await staging.write(f);
          outputs.set(c.name, { out, files });
        } catch (err) {
          failures.push({ wave: c.wave, err: componentError(c, err) });
        }
      },
      stopped,
    );
    if (failures.length) {
      // Fail-fast reports the failure that stopped the run; otherwise all, in deployment order.
      const list = req.failFast ? failures.slice(0, 1) : [...failures].sort((a, b) => a.wave - b.wave);
      throw combinedError(list.map((f) => f.err));
    }

    const ordered = plan.components.map((c) => outputs.get(c.name)!);
    const files: GeneratedFile[] = ordered.flatMap((o) => o.files);
    const root = deployer.rootFiles(
      ordered.map((o) => o.out),
      ctx,
    );
    const data = req.dataDir ? await dataFiles(req.dataDir) : [];
    const trailing = deployer.trailingFiles(ctx);
    for (const f of [...root, ...data, ...trailing]) await staging.write(f);
    files.push(...root, ...data, ...trailing);
    const sums = checksumsFile(files);
    await staging.write(sums);
    files.push(sums);
    await staging.commit(files);

    const listed = files.map((f) => ({ path: f.path, bytes: byteSize(f.content) }));
    return {
      outputDir: staging.outputDir,
      deployer: deployerName,
      title: deployer.title,
      components: plan.components.map((c) => c.name),
      disabled: plan.disabled,
      files: listed,
      totalBytes: listed.reduce((n, f) => n + f.bytes, 0),
      notes: [...deployer.notes(ctx), ...warnings],
      nextSteps: deployer.nextSteps(staging.outputDir, ctx),
      durationMs: performance.now() - started,
    };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

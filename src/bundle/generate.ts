/**
 * Bundle generation: plan the components, run the registry validations, then generate every
 * component concurrently (values, manifests, deployer files written to a staging directory), then
 * the root files, `data/` (with `--data`) and `checksums.txt`, and finally move the staged tree into
 * the output directory. Any failure leaves the output directory as it was.
 *
 * Failures: by default every failing component is reported (one error listing them all); with
 * `failFast` the first failure stops the components that have not started yet.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AicrError, classify, invalid } from '../errors/index.js';
import type { DataSource } from '../catalog/source.js';
import type { ComponentRegistry, RecipeResult } from '../model/recipe.js';
import { APP_OF_APPS_NAME, argocdDeployer } from './argocd/deployer.js';
import { byteSize, checksumsFile, FILE_MODE, type GeneratedFile } from './checksums.js';
import { planComponents, type PlannedComponent } from './components.js';
import type { ComponentOutput, DeployContext, Deployer } from './deployer.js';
import { bundledRecipe, helmDeployer } from './helm/deployer.js';
import { renderManifests, type TemplateRenderer } from './manifests.js';
import type { DeployerName, Scheduling } from './options.js';
import { MARKER, markerFile, Staging } from './staging.js';
import { runValidations } from './validations.js';
import { finalValues } from './values.js';
import { mapPool } from '../util/pool.js';
import { chartFile, provenanceFile, vendorCharts, type VendorOptions, type VendoredChart } from './vendor.js';
import { recordError, setAttrs, span } from '../telemetry/trace.js';
import { monotonicMs } from '../util/clock.js';

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
  /** External data directory (`--data`); the files of it the bundle used are copied into `data/`. */
  dataDir?: string;
  /** Replace an existing output directory that is not an aicr bundle. */
  force?: boolean;
  /** Local input paths (recipe file, --data): --force never replaces a directory holding them. */
  inputs?: string[];
  toolVersion: string;
  /** Template engine for manifestFiles (defaults to src/template). */
  render?: TemplateRenderer;
  /** `--vendor-charts`: pull every Helm chart into the bundle (helm deployer only). */
  vendor?: VendorOptions;
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

/** Editor, VCS and OS clutter: never copied into a bundle, even when a recipe names it. */
const JUNK =
  /(^|\/)(\.[^/]*|[^/]*~|#[^/]*#|Thumbs\.db|desktop\.ini|__MACOSX)(\/|$)|\.(swp|swo|bak|orig|rej|tmp)$/i;

/** A DataSource that records the files read through it. */
class RecordingSource implements DataSource {
  readonly read = new Set<string>();
  readonly description: string;
  constructor(private readonly inner: DataSource) {
    this.description = inner.description;
  }
  files(): string[] {
    return this.inner.files();
  }
  has(rel: string): boolean {
    return this.inner.has(rel);
  }
  origin(rel: string) {
    return this.inner.origin(rel);
  }
  doc(rel: string): unknown {
    const d = this.inner.doc(rel);
    this.read.add(rel);
    return d;
  }
  text(rel: string): string {
    const t = this.inner.text(rel);
    this.read.add(rel);
    return t;
  }
}

/**
 * `data/`: the files of the `--data` directory the bundle used (registry.yaml, values files and
 * manifest templates of bundled components), in path order; never dotfiles, VCS or editor files.
 */
function dataFiles(dataDir: string, source: RecordingSource): GeneratedFile[] {
  const used = new Set([...source.read].filter((rel) => source.origin(rel) === 'external'));
  if (source.origin('registry.yaml') === 'external') used.add('registry.yaml');
  return [...used]
    .filter((rel) => !JUNK.test(rel) && !rel.split('/').includes('..'))
    .sort()
    .map((rel) => ({
      path: `data/${rel}`,
      content: readFileSync(path.join(path.resolve(dataDir), ...rel.split('/'))),
      mode: FILE_MODE,
    }));
}

/** Root entries of a bundle that no component folder may take. */
export function reservedNames(deployer: DeployerName): string[] {
  const common = ['data', 'checksums.txt', MARKER];
  return deployer === 'argocd'
    ? [...common, 'README.md', 'app-of-apps.yaml', APP_OF_APPS_NAME]
    : [...common, 'README.md', 'deploy.sh', 'undeploy.sh', 'recipe.yaml'];
}

function checkReserved(deployer: DeployerName, names: string[]): void {
  const reserved = reservedNames(deployer);
  for (const n of names) {
    if (reserved.includes(n)) {
      const why =
        n === APP_OF_APPS_NAME
          ? `the Argo CD app-of-apps Application is named "${n}" (a child Application of that name would replace it)`
          : `"${n}" is a reserved entry of the bundle root`;
      throw invalid(
        `invalid component name "${n}": ${why}; reserved names for --deployer ${deployer}: ${reserved.join(', ')}`,
      );
    }
  }
}

/** Every generated path is unique and no file sits where another one needs a directory. */
function checkLayout(files: GeneratedFile[]): void {
  const filesSeen = new Set<string>();
  const dirs = new Set<string>();
  for (const f of files) {
    if (filesSeen.has(f.path) || dirs.has(f.path))
      throw invalid(
        `two parts of the bundle would both be written as ${f.path}; rename one of the components`,
      );
    filesSeen.add(f.path);
    const segs = f.path.split('/');
    for (let i = 1; i < segs.length; i++) {
      const d = segs.slice(0, i).join('/');
      if (filesSeen.has(d))
        throw invalid(
          `bundle path ${d} would be both a file and a directory (for ${f.path}); rename one of the components`,
        );
      dirs.add(d);
    }
  }
}

function componentError(c: PlannedComponent, err: unknown): AicrError {
  return new AicrError(err instanceof AicrError ? err.code : 'INTERNAL', `component "${c.name}"`, err);
}

function combinedError(failures: AicrError[]): AicrError {
  if (failures.length === 1) return failures[0];
  const text = failures.map((f) => `  - ${f.toString()}`).join('\n');
  return new AicrError(
    classify(failures[0]) ?? 'INTERNAL',
    `bundle generation failed for ${failures.length} components:\n${text}`,
  );
}

/** Argo CD reads charts from their repositories: vendoring is refused with it (docs/bundle.md). */
export function vendorWithArgo(): AicrError {
  return invalid(
    '--vendor-charts works with --deployer helm only: Argo CD Applications read charts from their repositories; ' +
      'bundle with --deployer helm for an air-gapped install, or mirror the charts into a registry Argo CD can reach',
  );
}

export async function generateBundle(req: BundleRequest): Promise<BundleResult> {
  const started = monotonicMs();
  const deployerName = req.deployer ?? 'helm';
  const deployer = DEPLOYER_IMPLS[deployerName];
  if (req.vendor && deployerName !== 'helm') throw vendorWithArgo();
  const scheduling = req.scheduling ?? {};
  const plan = planComponents(req.recipe, req.registry, req.set ?? []);
  checkReserved(
    deployerName,
    plan.components.map((c) => c.name),
  );
  const source = new RecordingSource(req.source);
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

  const staging = Staging.open(req.outputDir, {
    force: req.force,
    inputs: [...(req.inputs ?? []), ...(req.dataDir ? [req.dataDir] : [])],
  });
  const outputs = new Map<string, { out: ComponentOutput; files: GeneratedFile[] }>();
  const failures: { wave: number; err: AicrError }[] = [];
  const stopped = () => !!req.failFast && failures.length > 0;
  // One component per event-loop turn: its (synchronous) rendering starts from a fresh
  // setImmediate queued after the previous one ran, so the poll phase (signals) runs in between.
  let chain: Promise<void> = Promise.resolve();
  const turn = (): Promise<void> => {
    const next = chain.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    chain = next;
    return next;
  };
  let vendored: VendoredChart[] = [];
  try {
    if (req.vendor) {
      // Pulled into the staging tree first: a failed pull leaves no bundle behind.
      vendored = await vendorCharts(plan.components, staging.dir, req.vendor);
      ctx.charts = new Map(vendored.map((v) => [v.component, v.path]));
    }
    const archives = new Map(vendored.map((v) => [v.component, chartFile(v)]));
    await mapPool(
      plan.components,
      req.concurrency ?? 0,
      (c) =>
        span(`component ${c.name}`, { 'aicr.component': c.name, 'aicr.wave': c.wave }, async () => {
          try {
            // Yield to the event loop first: components run interleaved, fail-fast can stop those not
            // begun, and a signal (SIGINT/SIGTERM) is handled between components.
            await turn();
            if (stopped()) return setAttrs({ 'aicr.outcome': 'stopped' });
            const values = finalValues(source, c, scheduling);
            const manifests = c.ref.manifestFiles?.length
              ? await renderManifests(source, c, values, render!)
              : [];
            if (stopped()) return setAttrs({ 'aicr.outcome': 'stopped' });
            const out: ComponentOutput = { c, values, manifests };
            const files = deployer.componentFiles(out, ctx);
            const archive = archives.get(c.name);
            if (archive) files.push(archive);
            for (const f of files) staging.write(f);
            outputs.set(c.name, { out, files });
            setAttrs({
              'aicr.files': files.length,
              'aicr.manifests': manifests.length,
              'aicr.bytes': files.reduce((n, f) => n + byteSize(f.content), 0),
            });
          } catch (err) {
            const e = componentError(c, err);
            recordError(e);
            failures.push({ wave: c.wave, err: e });
          }
        }),
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
    if (req.vendor) root.push(provenanceFile(vendored));
    const data = req.dataDir ? dataFiles(req.dataDir, source) : [];
    const trailing = deployer.trailingFiles(ctx);
    files.push(...root, ...data, ...trailing, markerFile());
    checkLayout(files);
    for (const f of [...root, ...data, ...trailing, markerFile()]) staging.write(f);
    const sums = checksumsFile(files);
    staging.write(sums);
    files.push(sums);
    await staging.flush(files);
    staging.commit();

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
      durationMs: monotonicMs() - started,
    };
  } catch (err) {
    staging.abort();
    throw err;
  }
}

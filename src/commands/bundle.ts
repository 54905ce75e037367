/** The bundle command's work: load the recipe and catalog, generate, print the summary. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { loadRecipe } from '../model/load.js';
import { openStore } from '../recipe/store.js';
import { buildInfo } from '../version/buildinfo.js';
import { generateBundle, vendorWithArgo, type BundleResult } from '../bundle/generate.js';
import type { VendorOptions } from '../bundle/vendor.js';
import { parseSet, type DeployerName, type Scheduling } from '../bundle/options.js';

/** The flag-value parsers of `aicr bundle` (src/cli/bundle.ts wires the flags to them). */
export { parseDeployer, parseScheduling } from '../bundle/options.js';
import { writeStdout } from '../util/stdio.js';
import { shq } from '../bundle/shell.js';
import { installInterruptHandlers, MARKER } from '../bundle/staging.js';
import { isS3Uri, parseS3Uri } from '../io/uri.js';
import { checkRepoUrl } from '../bundle/argocd/deployer.js';
import { setAttrs } from '../telemetry/trace.js';

export interface RunBundleOptions {
  recipe: string;
  output: string;
  deployer: DeployerName;
  repo?: string;
  set: string[];
  scheduling: Scheduling;
  failFast: boolean;
  concurrency: number;
  kubeconfig?: string;
  data?: string;
  /** Replace an existing output directory that is not an aicr bundle. */
  force?: boolean;
  /** `--vendor-charts` (with helm's config paths and --plain-http); undefined = off. */
  vendor?: VendorOptions;
  /** Where the summary goes (stdout by default). */
  write?: (text: string) => void;
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function summary(r: BundleResult): string {
  const lines = [
    '',
    `${r.title} generated successfully!`,
    `Output directory: ${shq(r.outputDir)}`,
    `Components: ${r.components.length}${r.disabled.length ? ` (disabled: ${r.disabled.join(', ')})` : ''}`,
    `Files generated: ${r.files.length} (${fmtBytes(r.totalBytes)}) in ${(r.durationMs / 1000).toFixed(2)}s`,
  ];
  if (r.notes.length) lines.push('', 'Note:', ...r.notes.map((n) => `  ⚠ ${n}`));
  lines.push('', r.deployer === 'argocd' ? 'To deploy with Argo CD:' : 'To deploy:');
  r.nextSteps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  return lines.join('\n') + '\n';
}

export async function runBundle(o: RunBundleOptions): Promise<BundleResult> {
  installInterruptHandlers();
  for (const s of o.set) parseSet(s); // syntax errors before any I/O
  if (o.deployer === 'argocd' && !o.repo) {
    throw invalid(
      '--deployer argocd requires --repo <git URL>: the Applications read their values and manifests from that repository (e.g. --repo https://github.com/my-org/gpu-gitops.git)',
    );
  }
  if (o.repo !== undefined) checkRepoUrl(o.repo);
  if (o.vendor && o.deployer !== 'helm') throw vendorWithArgo();
  if (isS3Uri(o.output)) return runBundleToS3(o);
  return runBundleLocal(o);
}

/**
 * `-o s3://bucket/prefix/`: the bundle is built in a private temp folder with the usual staging, then
 * uploaded (src/io/s3.ts uploadTree: checksums.txt last, this run's objects removed on failure); the
 * temp folder is removed either way.
 */
async function runBundleToS3(o: RunBundleOptions): Promise<BundleResult> {
  const url = o.output;
  const { bucket, key } = parseS3Uri(url, 'bundle', { prefix: true });
  const shown = `s3://${bucket}/${key}`;
  const s3 = await import('../io/s3.js');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'aicr-bundle-s3-'));
  const local = path.join(tmp, 'bundle');
  try {
    const result = await runBundleLocal({ ...o, output: local, write: () => {} });
    const files = result.files.map((f) => ({
      path: f.path,
      read: () => readFile(path.join(local, ...f.path.split('/'))),
    }));
    log().info('uploading bundle', { output: shown, files: files.length });
    await s3.uploadTree(url, files, {
      last: 'checksums.txt',
      marker: MARKER,
      force: o.force,
      what: 'bundle',
    });
    const name = key.split('/').filter(Boolean).pop() ?? 'bundle';
    const uploaded: BundleResult = {
      ...result,
      outputDir: shown,
      nextSteps: [
        `aws s3 cp --recursive ${shq(shown)} ${shq(`./${name}`)}`,
        ...result.nextSteps.map((s) =>
          s
            .split(local)
            .join(`./${name}`)
            .replace(/^\.\/deploy\.sh$/, 'bash ./deploy.sh'),
        ),
      ],
    };
    (o.write ?? writeStdout)(summary(uploaded));
    return uploaded;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function runBundleLocal(o: RunBundleOptions): Promise<BundleResult> {
  const outputDir = path.resolve(o.output);
  log().info('generating bundle', {
    deployer: o.deployer,
    recipe: o.recipe,
    output: outputDir,
  });
  let recipe;
  try {
    recipe = await loadRecipe(o.recipe, { kubeconfig: o.kubeconfig });
  } catch (err) {
    throw new AicrError('INTERNAL', `failed to load recipe from "${o.recipe}"`, err);
  }
  const store = await openStore({ dataDir: o.data });
  const result = await generateBundle({
    recipe,
    source: store.source,
    registry: store.registry(),
    outputDir,
    deployer: o.deployer,
    repo: o.repo,
    set: o.set,
    scheduling: o.scheduling,
    failFast: o.failFast,
    concurrency: o.concurrency,
    dataDir: o.data,
    force: o.force,
    inputs: o.recipe !== '-' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(o.recipe) ? [o.recipe] : [],
    toolVersion: buildInfo.version,
    vendor: o.vendor,
  });
  setAttrs({
    'aicr.components': result.components.length,
    'aicr.files': result.files.length,
    'aicr.bytes': result.totalBytes,
  });
  log().info('bundle generated', {
    type: result.deployer,
    components: result.components.length,
    files: result.files.length,
    size_bytes: result.totalBytes,
    duration_sec: Number((result.durationMs / 1000).toFixed(3)),
    output_dir: result.outputDir,
  });
  (o.write ?? writeStdout)(summary(result));
  return result;
}

/**
 * `aicr verify BUNDLE_DIR`: is a bundle intact? Three checks, one problem per finding:
 *
 *  - checksums: `checksums.txt` is there and well-formed, every file it lists is present (a regular file
 *    inside the bundle) with that sha256, and every file of the tree is listed — the only file not
 *    listed is `checksums.txt` itself;
 *  - provenance (bundles made with `--vendor-charts`): every entry of `provenance.yaml` names an archive
 *    `<component>/charts/*.tgz` whose sha256 is the recorded digest and whose `Chart.yaml` holds the
 *    recorded chart name and version; every archive under `*\/charts/` is listed;
 *  - recipe: the components of `recipe.yaml` are exactly the component folders of the bundle, and each
 *    vendored chart belongs to a Helm component of the recipe with that chart and version.
 *
 * Reading is bounded: the tree walk (entries, depth), checksums.txt and provenance.yaml sizes, chart
 * archives (src/bundle/chart-archive.ts). Symlinks are never followed; a listed path must stay inside the
 * bundle. Nothing is written.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { parseDocument, textOf } from '../io/document.js';
import { escapeControl } from '../util/escape.js';
import { ArchiveError, MAX_ARCHIVE_BYTES, readChartArchive } from './chart-archive.js';
import { bareVersion } from './helm/chart.js';
import { PROVENANCE_FILE } from './vendor.js';
import {
  checkChecksums,
  MAX_DOC_BYTES,
  readSmall,
  safeRel,
  walk,
  type CheckName,
  type Problem,
  type TreeFile,
  type VerifyReport,
} from './verify-tree.js';

export { TRUST_LEVELS, type Problem, type TrustLevel, type VerifyReport } from './verify-tree.js';

function loadDoc(
  root: string,
  tree: Map<string, TreeFile>,
  rel: string,
  check: CheckName,
  problems: Problem[],
): unknown {
  const f = tree.get(rel);
  if (!f) return undefined;
  let text: string | undefined;
  try {
    text = readSmall(path.join(root, rel), f.st, MAX_DOC_BYTES);
  } catch (err) {
    problems.push({
      check,
      path: rel,
      message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    });
    return null;
  }
  if (text === undefined) {
    problems.push({ check, path: rel, message: `not a regular file of at most ${MAX_DOC_BYTES} bytes` });
    return null;
  }
  try {
    return parseDocument(text, rel, 'yaml');
  } catch (err) {
    problems.push({
      check,
      path: rel,
      message: `not a valid document: ${escapeControl((err as Error).message)}`,
    });
    return null;
  }
}

interface ProvenanceEntry {
  component: string;
  chart: string;
  version: string;
  path: string;
}

function checkProvenance(
  root: string,
  tree: Map<string, TreeFile>,
  problems: Problem[],
): ProvenanceEntry[] | undefined {
  const doc = loadDoc(root, tree, PROVENANCE_FILE, 'provenance', problems);
  const archives = [...tree.keys()].filter((r) => /^[^/]+\/charts\/[^/]+\.tgz$/.test(r));
  const entries: ProvenanceEntry[] = [];
  if (doc === undefined) {
    for (const a of archives)
      problems.push({
        check: 'provenance',
        path: escapeControl(a),
        message: `chart archive without ${PROVENANCE_FILE}`,
      });
    return undefined;
  }
  if (doc === null) return entries;
  const charts = (doc as { charts?: unknown }).charts;
  if (!Array.isArray(charts)) {
    problems.push({ check: 'provenance', path: PROVENANCE_FILE, message: 'has no charts list' });
    return entries;
  }
  const seen = new Set<string>();
  charts.forEach((e, i) => {
    const where = `${PROVENANCE_FILE} charts[${i}]`;
    const f = (k: string) => textOf(e, k);
    const missing = ['component', 'chart', 'version', 'source', 'path', 'digest'].filter((k) => !f(k));
    if (missing.length) {
      problems.push({ check: 'provenance', path: where, message: `missing ${missing.join(', ')}` });
      return;
    }
    const entry = {
      component: f('component')!,
      chart: f('chart')!,
      version: f('version')!,
      path: f('path')!,
    };
    const rel = entry.path;
    const shown = escapeControl(rel);
    if (!safeRel(rel) || !rel.startsWith(`${entry.component}/charts/`) || !rel.endsWith('.tgz')) {
      problems.push({
        check: 'provenance',
        path: where,
        message: `path "${shown}" is not <component>/charts/<archive>.tgz of component ${escapeControl(entry.component)}`,
      });
      return;
    }
    seen.add(rel);
    entries.push(entry);
    const digest = f('digest')!;
    const md = f('manifestDigest');
    if (md !== undefined && !/^sha256:[0-9a-f]{64}$/.test(md))
      problems.push({
        check: 'provenance',
        path: where,
        message: `manifestDigest "${escapeControl(md)}" is not sha256:<64 hex>`,
      });
    const file = tree.get(rel);
    if (!file || !file.st.isFile()) {
      problems.push({
        check: 'provenance',
        path: shown,
        message: `chart archive listed in ${PROVENANCE_FILE} is missing or not a regular file`,
      });
      return;
    }
    if (file.st.size > MAX_ARCHIVE_BYTES) {
      problems.push({
        check: 'provenance',
        path: shown,
        message: `chart archive is larger than ${MAX_ARCHIVE_BYTES} bytes`,
      });
      return;
    }
    let content: Buffer;
    try {
      content = readFileSync(path.join(root, ...rel.split('/')));
    } catch (err) {
      problems.push({
        check: 'provenance',
        path: shown,
        message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      });
      return;
    }
    const got = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    if (got !== digest) {
      problems.push({
        check: 'provenance',
        path: shown,
        message: `digest mismatch (${PROVENANCE_FILE}: ${escapeControl(digest)}, archive: ${got})`,
      });
      return;
    }
    try {
      const meta = readChartArchive(content);
      if (meta.name !== entry.chart)
        problems.push({
          check: 'provenance',
          path: shown,
          message: `Chart.yaml names chart "${escapeControl(meta.name)}", ${PROVENANCE_FILE} says "${escapeControl(entry.chart)}"`,
        });
      if (meta.version !== entry.version)
        problems.push({
          check: 'provenance',
          path: shown,
          message: `Chart.yaml has version "${escapeControl(meta.version)}", ${PROVENANCE_FILE} says "${escapeControl(entry.version)}"`,
        });
    } catch (err) {
      if (!(err instanceof ArchiveError)) throw err;
      problems.push({
        check: 'provenance',
        path: shown,
        message: `not a valid chart archive: ${escapeControl(err.message)}`,
      });
    }
  });
  for (const a of archives)
    if (!seen.has(a))
      problems.push({
        check: 'provenance',
        path: escapeControl(a),
        message: `chart archive not listed in ${PROVENANCE_FILE}`,
      });
  return entries;
}

function checkRecipe(
  root: string,
  tree: Map<string, TreeFile>,
  provenance: ProvenanceEntry[] | undefined,
  problems: Problem[],
): { checked: boolean; components: number } {
  const doc = loadDoc(root, tree, 'recipe.yaml', 'recipe', problems);
  if (doc === undefined) {
    if (tree.has('app-of-apps.yaml') && !tree.has('deploy.sh')) return { checked: false, components: 0 };
    problems.push({ check: 'recipe', path: 'recipe.yaml', message: 'recipe.yaml not found' });
    return { checked: true, components: 0 };
  }
  if (doc === null) return { checked: true, components: 0 };
  const refs = (doc as { componentRefs?: unknown }).componentRefs;
  if (!Array.isArray(refs)) {
    problems.push({ check: 'recipe', path: 'recipe.yaml', message: 'has no componentRefs list' });
    return { checked: true, components: 0 };
  }
  const comps = new Map<string, { chart: string; version: string; helm: boolean }>();
  for (const r of refs) {
    const name = textOf(r, 'name');
    if (!name) continue;
    comps.set(name, {
      chart: textOf(r, 'chart') || name,
      version: textOf(r, 'version') ?? '',
      helm: !!textOf(r, 'source') && textOf(r, 'type') !== 'Kustomize',
    });
  }
  const folders = new Set(
    [...tree.keys()]
      .filter((r) => r.includes('/'))
      .map((r) => r.split('/')[0]!)
      .filter((d) => d !== 'data'),
  );
  for (const name of comps.keys())
    if (!folders.has(name))
      problems.push({
        check: 'recipe',
        path: escapeControl(name),
        message: 'component of recipe.yaml has no folder in the bundle',
      });
  for (const d of [...folders].sort())
    if (!comps.has(d))
      problems.push({
        check: 'recipe',
        path: escapeControl(d),
        message: 'folder is not a component of recipe.yaml',
      });
  if (provenance) {
    const vendored = new Set<string>();
    for (const p of provenance) {
      vendored.add(p.component);
      const c = comps.get(p.component);
      const where = escapeControl(p.path);
      if (!c) {
        problems.push({
          check: 'recipe',
          path: where,
          message: `vendored chart of "${escapeControl(p.component)}", which is not a component of recipe.yaml`,
        });
        continue;
      }
      if (!c.helm)
        problems.push({
          check: 'recipe',
          path: where,
          message: `component ${p.component} is not a Helm component in recipe.yaml`,
        });
      if (c.chart !== p.chart)
        problems.push({
          check: 'recipe',
          path: where,
          message: `recipe.yaml has chart "${escapeControl(c.chart)}", ${PROVENANCE_FILE} "${escapeControl(p.chart)}"`,
        });
      if (bareVersion(c.version) !== bareVersion(p.version))
        problems.push({
          check: 'recipe',
          path: where,
          message: `recipe.yaml has version "${escapeControl(c.version)}", ${PROVENANCE_FILE} "${escapeControl(p.version)}"`,
        });
    }
    for (const [name, c] of comps)
      if (c.helm && !vendored.has(name))
        problems.push({
          check: 'recipe',
          path: escapeControl(name),
          message: `Helm component has no vendored chart in ${PROVENANCE_FILE}`,
        });
  }
  return { checked: true, components: comps.size };
}

/** Verifies the bundle at `dir` (exit-3 error when it does not exist). */
export function verifyBundle(dir: string): VerifyReport {
  const root = path.resolve(dir);
  let st: Stats;
  try {
    st = statSync(root); // a symlink to the bundle is followed; nothing inside it is
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AicrError('NOT_FOUND', `bundle directory not found: ${escapeControl(dir)}`);
    throw new AicrError(
      'INTERNAL',
      `cannot read bundle directory ${escapeControl(dir)}: ${(err as Error).message}`,
    );
  }
  if (!st.isDirectory()) throw invalid(`invalid bundle directory ${escapeControl(dir)}: not a directory`);
  const problems: Problem[] = [];
  const tree = walk(root, problems);
  const checksumFiles = checkChecksums(root, tree, problems);
  const provenance = checkProvenance(root, tree, problems);
  const recipe = checkRecipe(root, tree, provenance, problems);
  const failed = (c: CheckName) => problems.some((p) => p.check === c);
  const checksumsPassed = !failed('checksums');
  const report: VerifyReport = {
    kind: 'BundleVerification',
    bundle: dir,
    status: problems.length ? 'fail' : 'pass',
    trustLevel: checksumsPassed ? 'unverified' : 'unknown',
    checksumsPassed,
    checksumFiles,
    bundleAttested: false,
    binaryAttested: false,
    identityPinned: false,
    hasExternalData: [...tree.keys()].some((r) => r.startsWith('data/')),
    provenancePassed: !failed('provenance'),
    vendoredCharts: provenance?.length ?? 0,
    recipePassed: !failed('recipe'),
    recipeChecked: recipe.checked,
    recipeComponents: recipe.components,
    problems,
  };
  if (problems.length) report.errors = problems.map((p) => `${p.path}: ${p.message}`);
  return report;
}

/** The text report (also `--format table`). */
export function verifyText(r: VerifyReport): string {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const lines = [`Bundle: ${escapeControl(r.bundle)}`];
  lines.push(
    r.checksumsPassed
      ? `  ✓ Checksums verified (${r.checksumFiles} files)`
      : `  ✗ Checksum verification failed`,
  );
  if (r.vendoredCharts || !r.provenancePassed)
    lines.push(
      `  ${mark(r.provenancePassed)} Provenance ${r.provenancePassed ? 'verified' : 'verification failed'} (${r.vendoredCharts} vendored charts)`,
    );
  else lines.push('  - No vendored charts (no provenance.yaml)');
  if (r.recipeChecked)
    lines.push(
      `  ${mark(r.recipePassed)} Recipe ${r.recipePassed ? 'matches' : 'does not match'} the bundle's components (${r.recipeComponents})`,
    );
  else lines.push('  - Recipe check skipped: Argo CD bundles hold no recipe.yaml');
  lines.push(`  Trust level: ${r.trustLevel}`);
  if (r.problems.length) {
    lines.push('  Details:');
    for (const p of r.problems) lines.push(`    - [${p.check}] ${p.path}: ${p.message}`);
  }
  lines.push(`Bundle verification: ${r.status === 'pass' ? 'PASSED' : 'FAILED'}`);
  return lines.join('\n') + '\n';
}

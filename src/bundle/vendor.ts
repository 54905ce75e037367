/**
 * `aicr bundle --vendor-charts`: the exact chart version of every Helm component pulled with the real
 * `helm pull` (classic `index.yaml` repositories and `oci://` registries) into the bundle, and
 * `provenance.yaml` listing each archive (docs/bundle.md, "Vendored charts").
 *
 *  - helm runs without a shell, in its own process group with a time limit (src/util/child.ts), in a
 *    private folder inside the staging directory (so an interrupted or failed run leaves nothing);
 *    `--repository-config`, `--registry-config`, `--repository-cache` are passed through, and helm's
 *    own HELM_* variables reach it unchanged.
 *  - Credentials stay helm's: a classic repository registered in helm's repositories file (`helm repo
 *    add … --username …`) is pulled through that entry (`helm repo update NAME` once, then `helm pull
 *    NAME/CHART`), so its credentials apply; any other repository is pulled anonymously with `--repo`.
 *    OCI registries use helm's registry config (`helm registry login`). aicr never reads, prints or
 *    stores a credential; helm's messages are shown with URL credentials redacted.
 *  - Failures name the component and the source: chart or version not found → 3, 401/403 → 4,
 *    unreachable or timed out → 6, helm missing → 2.
 *  - The archive must hold the requested chart and version (its Chart.yaml); its sha256 and, for OCI,
 *    the manifest digest helm prints are recorded.
 */
import { mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AicrError, invalid, type ErrorCode } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { findExecutable, runCommand, RunError } from '../util/child.js';
import { safeText } from '../util/escape.js';
import { mapPool } from '../util/pool.js';
import { serialize } from '../io/serialize.js';
import { FILE_MODE, sha256, type GeneratedFile } from './checksums.js';
import { ArchiveError, MAX_ARCHIVE_BYTES, readChartArchive } from './chart-archive.js';
import type { PlannedComponent } from './components.js';
import { bareVersion, isOci } from './helm/chart.js';

export const PROVENANCE_FILE = 'provenance.yaml';
/** Pulls at once unless --concurrency is lower. */
export const PULL_CONCURRENCY = 4;
/** Time limit of one helm command. */
export const PULL_TIMEOUT_MS = 5 * 60 * 1000;
/** A progress line for a pull still running, this often. */
export const PROGRESS_INTERVAL_MS = 10_000;

export interface VendorOptions {
  repositoryConfig?: string;
  registryConfig?: string;
  repositoryCache?: string;
  /** `helm pull --plain-http` for OCI registries (local or lab registries without TLS). */
  plainHttp?: boolean;
  /** Most pulls at once (0 = PULL_CONCURRENCY). */
  concurrency?: number;
  timeoutMs?: number;
}

export interface VendoredChart {
  component: string;
  chart: string;
  version: string;
  source: string;
  /** Bundle-relative path of the archive. */
  path: string;
  digest: string;
  manifestDigest?: string;
  content: Buffer;
}

export const HELM_INSTALL_HINT =
  'install helm 3 (https://helm.sh/docs/intro/install/, e.g. `go install helm.sh/helm/v3/cmd/helm@v3.16.4`) and put it on PATH';

/** The helm binary, or exit 2 naming what is missing and how to get it. */
export function findHelm(): string {
  const helm = findExecutable('helm');
  if (!helm)
    throw invalid(
      `--vendor-charts needs helm on PATH to pull the charts, and none was found; ${HELM_INSTALL_HINT}`,
    );
  return helm;
}

/** Helm's global options aicr passes through. */
function globalArgs(o: VendorOptions): string[] {
  const out: string[] = [];
  if (o.repositoryConfig) out.push('--repository-config', o.repositoryConfig);
  if (o.registryConfig) out.push('--registry-config', o.registryConfig);
  if (o.repositoryCache) out.push('--repository-cache', o.repositoryCache);
  return out;
}

const NETWORK =
  /connection refused|no such host|i\/o timeout|network is unreachable|connection reset|host is unreachable|server misbehaving|deadline exceeded|TLS handshake|x509:|dial tcp|did not finish within/i;
const AUTH =
  /\b(401|403)\b|unauthori[sz]ed|forbidden|authentication required|basic credential not found|access denied|denied:/i;
const NOT_FOUND =
  /\b404\b|not found|manifest unknown|name unknown|no chart version found|no chart name found|invalid_reference/i;

/** The error code of a helm failure from what it printed. */
export function classifyHelmFailure(text: string): ErrorCode {
  if (NETWORK.test(text)) return 'SERVICE_UNAVAILABLE';
  if (AUTH.test(text)) return 'UNAUTHORIZED';
  if (NOT_FOUND.test(text)) return 'NOT_FOUND';
  if (/cannot be reached/i.test(text)) return 'SERVICE_UNAVAILABLE';
  return 'INTERNAL';
}

const WHAT: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'chart or version not found',
  UNAUTHORIZED: 'not authorized (check helm repo add --username/--password or helm registry login)',
  SERVICE_UNAVAILABLE: 'source unreachable',
  INTERNAL: 'helm failed',
};

/** helm's message, one line: the last lines it printed, credentials redacted, controls escaped, bounded. */
function helmMessage(stderr: string, stdout: string): string {
  const lines = (stderr.trim() || stdout.trim())
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const text = lines.slice(-3).join(' | ') || 'no output';
  const safe = safeText(text).replace(/(authorization:|password[=:]|basic )\s*\S+/gi, '$1 REDACTED');
  return safe.length > 600 ? safe.slice(0, 600) + '…' : safe;
}

function failure(c: PlannedComponent, code: ErrorCode, detail: string): AicrError {
  return new AicrError(
    code,
    `component "${c.name}": cannot vendor chart ${c.chart} ${c.version} from ${safeText(c.source)}: ${WHAT[code] ?? 'failed'}: ${detail}`,
  );
}

interface HelmRun {
  helm: string;
  opts: VendorOptions;
}

async function helmCall(
  h: HelmRun,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const r = await runCommand(h.helm, [...args, ...globalArgs(h.opts)], {
      timeoutMs: h.opts.timeoutMs ?? PULL_TIMEOUT_MS,
      cwd,
      maxBytes: 1024 * 1024,
      name: 'helm',
    });
    return r;
  } catch (err) {
    if (err instanceof RunError && err.kind === 'timeout')
      return { code: -1, stdout: '', stderr: err.message };
    if (err instanceof RunError && err.kind === 'spawn')
      throw invalid(`--vendor-charts: cannot run helm (${h.helm}): ${err.message}; ${HELM_INSTALL_HINT}`);
    throw err;
  }
}

/** Refuses sources helm must not be handed: not http(s)/oci, credentials in the URL, empty version. */
function checkSource(c: PlannedComponent): void {
  if (!/^(https?|oci):\/\/[^\s]+$/i.test(c.source))
    throw invalid(
      `component "${c.name}": --vendor-charts needs an http(s):// chart repository or an oci:// registry as source, got "${safeText(c.source)}"`,
    );
  if (/^[a-z]+:\/\/[^/]*@/i.test(c.source))
    throw invalid(
      `component "${c.name}": source ${safeText(c.source)} contains credentials; register them with helm (helm repo add --username, helm registry login) instead`,
    );
  if (!c.version)
    throw invalid(
      `component "${c.name}": --vendor-charts needs an exact chart version, and the recipe gives none`,
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(c.chart))
    throw invalid(`component "${c.name}": chart name "${safeText(c.chart)}" is not a plain chart name`);
}

const normUrl = (u: string) => u.replace(/\/+$/, '');

/** Classic repositories registered in helm's repositories file: URL → name (helm repo list prints no credentials). */
async function registeredRepos(h: HelmRun, cwd: string): Promise<Map<string, string>> {
  const r = await helmCall(h, ['repo', 'list', '-o', 'json'], cwd);
  const out = new Map<string, string>();
  if (r.code !== 0) return out; // "no repositories to show"
  let list: unknown;
  try {
    list = JSON.parse(r.stdout);
  } catch {
    return out;
  }
  if (!Array.isArray(list)) return out;
  for (const e of list as { name?: unknown; url?: unknown }[]) {
    if (typeof e?.name === 'string' && typeof e.url === 'string' && !out.has(normUrl(e.url)))
      out.set(normUrl(e.url), e.name);
  }
  return out;
}

function fmtBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Pulls the chart of every Helm component into a private folder under `workDir` (the staging directory)
 * and returns the archives in component order. Any failure rejects (the caller aborts the staging tree).
 */
export async function vendorCharts(
  components: PlannedComponent[],
  workDir: string,
  opts: VendorOptions,
): Promise<VendoredChart[]> {
  const helmComps = components.filter((c) => c.kind === 'helm');
  if (helmComps.length === 0) return [];
  for (const c of helmComps) checkSource(c);
  const h: HelmRun = { helm: findHelm(), opts };
  const base = mkdtempSync(path.join(workDir, '.vendor-'));
  try {
    const classic = helmComps.filter((c) => !isOci(c.source));
    const repoNames = classic.length ? await registeredRepos(h, base) : new Map<string, string>();
    // Refresh each registered repository's index once (with its stored credentials).
    const updated = new Set<string>();
    for (const c of classic) {
      const name = repoNames.get(normUrl(c.source));
      if (!name || updated.has(name)) continue;
      updated.add(name);
      const r = await helmCall(h, ['repo', 'update', name], base);
      if (r.code !== 0) {
        const text = `${r.stderr}\n${r.stdout}`;
        const code = classifyHelmFailure(text);
        throw failure(c, code === 'INTERNAL' ? 'SERVICE_UNAVAILABLE' : code, helmMessage(r.stderr, r.stdout));
      }
    }
    const total = helmComps.length;
    let done = 0;
    const limit = Math.min(
      opts.concurrency && opts.concurrency > 0 ? opts.concurrency : PULL_CONCURRENCY,
      PULL_CONCURRENCY,
    );
    let failed = false;
    const pull = async (c: PlannedComponent, i: number): Promise<VendoredChart> => {
      const dir = mkdtempSync(path.join(base, `${i}-`));
      const repoName = isOci(c.source) ? undefined : repoNames.get(normUrl(c.source));
      const args = isOci(c.source)
        ? ['pull', `${normUrl(c.source)}/${c.chart}`, '--version', c.version, '--destination', dir]
        : repoName
          ? ['pull', `${repoName}/${c.chart}`, '--version', c.version, '--destination', dir]
          : ['pull', c.chart, '--repo', c.source, '--version', c.version, '--destination', dir];
      if (isOci(c.source) && opts.plainHttp) args.push('--plain-http');
      const started = Date.now();
      log().info(`pulling chart ${c.chart} ${c.version} for ${c.name} from ${safeText(c.source)}`);
      const ticker = setInterval(
        () =>
          log().info(
            `still pulling chart ${c.chart} ${c.version} for ${c.name} (${Math.round((Date.now() - started) / 1000)}s)`,
          ),
        PROGRESS_INTERVAL_MS,
      );
      let r;
      try {
        r = await helmCall(h, args, dir);
      } finally {
        clearInterval(ticker);
      }
      if (r.code !== 0) {
        throw failure(c, classifyHelmFailure(`${r.stderr}\n${r.stdout}`), helmMessage(r.stderr, r.stdout));
      }
      const got = readdirSync(dir).filter((n) => n.endsWith('.tgz'));
      if (got.length !== 1)
        throw failure(c, 'INTERNAL', `helm pull left ${got.length} chart archives instead of one`);
      const file = path.join(dir, got[0]!);
      const st = lstatSync(file);
      if (!st.isFile()) throw failure(c, 'INTERNAL', 'helm pull did not write a regular file');
      if (st.size > MAX_ARCHIVE_BYTES)
        throw failure(c, 'INVALID_REQUEST', `the archive is larger than ${MAX_ARCHIVE_BYTES} bytes`);
      const content = readFileSync(file);
      let meta;
      try {
        meta = readChartArchive(content);
      } catch (err) {
        if (err instanceof ArchiveError)
          throw failure(c, 'INVALID_REQUEST', `invalid chart archive: ${err.message}`);
        throw err;
      }
      if (meta.name !== c.chart)
        throw failure(
          c,
          'INVALID_REQUEST',
          `the archive holds chart "${safeText(meta.name)}", not "${c.chart}"`,
        );
      if (bareVersion(meta.version) !== bareVersion(c.version))
        throw failure(
          c,
          'INVALID_REQUEST',
          `the archive holds version "${safeText(meta.version)}", not "${c.version}"`,
        );
      if (!/^[A-Za-z0-9._+-]+$/.test(meta.version))
        throw failure(
          c,
          'INVALID_REQUEST',
          `chart version "${safeText(meta.version)}" is not a plain version`,
        );
      const m = /^Digest:\s*(sha256:[0-9a-f]{64})\s*$/m.exec(`${r.stdout}\n${r.stderr}`);
      rmSync(dir, { recursive: true, force: true });
      done++;
      log().info(
        `pulled chart ${c.chart} ${meta.version} for ${c.name} (${fmtBytes(content.length)}, ${((Date.now() - started) / 1000).toFixed(1)}s; ${done}/${total})`,
      );
      return {
        component: c.name,
        chart: meta.name,
        version: meta.version,
        source: c.source,
        path: `${c.name}/charts/${meta.name}-${meta.version}.tgz`,
        digest: `sha256:${sha256(content)}`,
        ...(isOci(c.source) && m ? { manifestDigest: m[1] } : {}),
        content,
      };
    };
    // After a failure no new pull starts; the first failure is reported.
    return await mapPool(
      helmComps,
      limit,
      (c, i) =>
        pull(c, i).catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      () => failed,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

export function chartFile(v: VendoredChart): GeneratedFile {
  return { path: v.path, content: v.content, mode: FILE_MODE };
}

/** `provenance.yaml`: one entry per vendored chart, in deployment order; no timestamps. */
export function provenanceFile(charts: VendoredChart[]): GeneratedFile {
  const doc = {
    kind: 'BundleProvenance',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    charts: charts.map((v) => ({
      component: v.component,
      chart: v.chart,
      version: v.version,
      source: v.source,
      path: v.path,
      digest: v.digest,
      ...(v.manifestDigest ? { manifestDigest: v.manifestDigest } : {}),
    })),
  };
  return {
    path: PROVENANCE_FILE,
    content:
      '# Written by aicr bundle --vendor-charts: the Helm charts vendored into this bundle.\n' +
      '# digest: sha256 of the archive at path; manifestDigest: the OCI manifest helm pulled.\n' +
      '# Check with: aicr verify <bundle-dir>\n' +
      serialize(doc, 'yaml'),
    mode: FILE_MODE,
  };
}

/**
 * `aicr exporter`: collects a snapshot of this node every `--interval` (never overlapping) and serves the
 * facts as Prometheus metrics on `/metrics` (and `/healthz`) over plain HTTP. With `--recipe`, the recipe's
 * constraints are evaluated against every snapshot exactly as `aicr validate` does. SIGTERM and SIGINT stop
 * it gracefully: the running collection is abandoned, the listener closed, exit 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AicrError, invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { readDocument } from '../io/reader.js';
import { displayLocation } from '../io/uri.js';
import { toRecipe } from '../model/load.js';
import { recipeConstraints, validateRecipe, type ValidationResult } from '../constraint/recipe.js';
import { selectCollectors } from '../collector/index.js';
import type { RecipeResult } from '../model/recipe.js';
import { formatError } from '../errors/index.js';
import { span, setAttrs } from '../telemetry/trace.js';
import { buildInfo } from '../version/buildinfo.js';
import { collectLocalSnapshot } from './snapshot.js';
import { ExporterMetrics } from './exporter-metrics.js';

export interface ExporterRequest {
  /** `host:port`, `:port` (all interfaces) or `[v6]:port`. */
  listen: string;
  intervalMs: number;
  recipe?: string;
  filter?: string[];
  exclude?: string[];
  kubeconfig?: string;
  /** Per-collection deadline (default 5 minutes, as `aicr snapshot --timeout`). */
  timeoutMs?: number;
  /** Stop after this many collections (tests, one-shot scripts); 0 = run until signalled. */
  maxCollections?: number;
}

/** `:9477` → all interfaces; `127.0.0.1:0`; `[::1]:9477`. Invalid → exit 2 naming the flag. */
export function parseListen(value: string): { host?: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw invalid(
      `invalid value "${value}" for --listen: expected [host]:port with port 0-65535 (e.g. :9477, 127.0.0.1:9477, [::1]:9477)`,
    );
  }
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}

async function loadRecipe(location: string, kubeconfig?: string): Promise<RecipeResult> {
  const source = location === '-' ? 'recipe from stdin' : `recipe ${location}`;
  const { doc } = await readDocument(location, { what: 'recipe', kinds: ['recipe'], kubeconfig });
  try {
    recipeConstraints(doc as never);
  } catch (err) {
    throw new AicrError('INVALID_REQUEST', `${source}: ${(err as Error).message}`);
  }
  return await toRecipe(doc, source);
}

export async function runExporter(req: ExporterRequest): Promise<void> {
  const { host, port } = parseListen(req.listen);
  const collectors = selectCollectors(req.filter, req.exclude);
  const recipe = req.recipe ? await loadRecipe(req.recipe, req.kubeconfig) : undefined;
  const metrics = new ExporterMetrics(collectors, !!recipe);
  const timeoutMs = req.timeoutMs ?? 5 * 60_000;

  const server = http.createServer((rq, rs) => {
    const url = (rq.url ?? '/').split('?')[0];
    if (rq.method !== 'GET' && rq.method !== 'HEAD') {
      rs.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (url === '/healthz') {
      rs.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url !== '/metrics') {
      rs.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => rs.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => rs.writeHead(500, { 'content-type': 'text/plain' }).end(`${formatError(err)}\n`),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? invalid(`--listen ${req.listen}: cannot listen (${err.code}: ${err.message})`)
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
  log().info(`serving metrics on http://${shown}/metrics`, {
    interval_sec: req.intervalMs / 1000,
    collectors: collectors.join(','),
    ...(req.recipe ? { recipe: displayLocation(req.recipe) } : {}),
    version: buildInfo.version,
  });

  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log().info(`received ${sig}, shutting down`);
    stop.abort(new Error(`stopped by ${sig}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let count = 0;
  try {
    while (!stop.signal.aborted) {
      await collectOnce(req, collectors, recipe, metrics, timeoutMs, stop.signal);
      count++;
      if (req.maxCollections && count >= req.maxCollections) break;
      await sleepUnlessAborted(req.intervalMs, stop.signal);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function collectOnce(
  req: ExporterRequest,
  collectors: string[],
  recipe: RecipeResult | undefined,
  metrics: ExporterMetrics,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  await span('exporter collection', { 'aicr.collectors': collectors.join(',') }, async () => {
    try {
      const snap = await collectLocalSnapshot({
        filter: collectors,
        kubeconfig: req.kubeconfig,
        timeoutMs,
        signal,
        version: buildInfo.version,
      });
      if (signal.aborted) return;
      let validation: ValidationResult | undefined;
      if (recipe) validation = validateRecipe(recipe, snap, {});
      const seconds = (performance.now() - started) / 1000;
      metrics.update(snap, seconds, validation, new Date());
      setAttrs({ 'aicr.measurements': snap.measurements.length, 'aicr.status': validation?.status });
      log().debug('collection done', { seconds: Number(seconds.toFixed(3)), status: validation?.status });
    } catch (err) {
      if (signal.aborted) return;
      metrics.failed((performance.now() - started) / 1000);
      log().warn(`collection failed: ${formatError(err)}`);
    }
  });
}

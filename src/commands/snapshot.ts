/**
 * Local collection (docs/decisions.md, decision 1): every selected collector runs on this machine; cluster collectors use
 * the kubeconfig chain when a cluster is reachable and degrade with one warning when not.
 */
import { loadCollectors } from '../collector/load.js';
import { resolveNodeName, selectCollectors, type CollectorFactoryOptions } from '../collector/select.js';
import { AicrError, invalid } from '../errors/index.js';
import type { Format } from '../io/serialize.js';
import { writeDocument, type NamedInput } from '../io/writer.js';
import { log } from '../logging/logger.js';
import type { Snapshot } from '../model/snapshot.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { takeSnapshot } from '../snapshot/snapshotter.js';
import { holdInterrupts } from '../util/child-groups.js';
import { agentModeFromEnv, osRootFromEnv } from '../util/env.js';
import { buildInfo } from '../version/buildinfo.js';
import { setAttrs } from '../telemetry/trace.js';

export interface LocalSnapshotOptions extends Omit<CollectorFactoryOptions, 'nodeName'> {
  /** `--filter` / `--exclude` values (comma-separated collector names). */
  filter?: string | string[];
  exclude?: string | string[];
  /** Deadline for the whole collection; collectors still running then are left out. */
  timeoutMs?: number;
  /** CLI version for `metadata.version`. */
  version?: string;
  now?: () => Date;
}

export async function collectLocalSnapshot(opts: LocalSnapshotOptions = {}): Promise<Snapshot> {
  const names = selectCollectors(opts.filter, opts.exclude);
  const env = opts.env ?? process.env;
  const nodeName = resolveNodeName(env);
  const ctl = new AbortController();
  // A caller's signal (`snapshot --watch` stopping) aborts the collection too.
  const onAbort = () => ctl.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const collectors = await loadCollectors(names, { ...opts, env, nodeName, signal: ctl.signal });
  const timer =
    opts.timeoutMs && opts.timeoutMs > 0
      ? setTimeout(
          () => ctl.abort(new Error(`--timeout of ${formatDuration(opts.timeoutMs!)} reached`)),
          opts.timeoutMs,
        )
      : undefined;
  log().debug('collecting snapshot', { collectors: names.join(','), node: nodeName });
  try {
    return await takeSnapshot({
      collectors,
      nodeName,
      signal: ctl.signal,
      version: opts.version,
      now: opts.now,
    });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** `aicr snapshot` without the agent: the flags as given (--timeout unparsed) plus the output's inputs. */
export interface LocalSnapshotRequest {
  filter?: string[];
  exclude?: string[];
  kubeconfig?: string;
  maxNodesPerEntry?: number;
  timeout?: string;
  output?: string;
  format: Format;
  requireGpu?: boolean;
  /** Files the output must not overwrite (the kubeconfig). */
  inputs: readonly NamedInput[];
  /** `--cache-ttl` as given: reuse a cached snapshot this young (src/snapshot/cache.ts). */
  cacheTtl?: string;
  /** `--no-cache`: collect anew, still storing the result when cacheTtl is set. */
  noCache?: boolean;
  /** `--upload`: a second output the snapshot is also written to (after the first). */
  upload?: string;
}

/**
 * The checks before a local collection: bad flags, a named but unusable kubeconfig, and a cm:// output
 * (namespace, permission) fail before any collection work. Returns the collection's deadline.
 */
async function prepareLocal(o: LocalSnapshotRequest): Promise<number> {
  // Bad input fails before any collection work.
  const names = selectCollectors(o.filter, o.exclude);
  const timeoutMs = o.timeout === undefined ? 0 : parseDuration(o.timeout, '--timeout');
  if (o.cacheTtl !== undefined) cacheTtlMs(o.cacheTtl);
  // A kubeconfig that is named (flag or KUBECONFIG) but missing, or malformed, is bad input (exit 2);
  // having none at all, or an unreachable cluster, only empties the cluster measurements.
  const needsCluster = names.includes('k8s') || names.includes('topology') || !!o.output?.startsWith('cm://');
  if (o.kubeconfig || needsCluster) {
    // The Kubernetes client (HTTP, TLS, YAML) is loaded only when a cluster or a kubeconfig is involved.
    const { findKubeconfigSource, loadKubeConfig } = await import('../k8s/client.js');
    if (o.kubeconfig || findKubeconfigSource({ kubeconfig: o.kubeconfig })) {
      if (needsCluster) await loadKubeConfig({ kubeconfig: o.kubeconfig });
      else findKubeconfigSource({ kubeconfig: o.kubeconfig });
    }
  }
  // A cm:// output is checked (namespace, permission) before the collection, not after it.
  if (o.output && o.output.startsWith('cm://')) {
    const [{ parseConfigMapUri }, { configMapStore }] = await Promise.all([
      import('../io/uri.js'),
      import('../io/configmap.js'),
    ]);
    const store = await configMapStore();
    await store.precheckWrite?.(parseConfigMapUri(o.output), { kubeconfig: o.kubeconfig });
  }
  // s3:// outputs: bucket and credentials are checked before the collection, not after it.
  for (const out of [o.output, o.upload]) {
    if (out && /^s3:\/\//i.test(out)) {
      const { precheckS3Output } = await import('../io/s3.js');
      await precheckS3Output(out, 'snapshot');
    }
  }
  return timeoutMs || 5 * 60_000;
}

/** The collection options of a local request (one place for `snapshot` and `snapshot --watch`). */
function collectOptions(o: LocalSnapshotRequest, timeoutMs: number): LocalSnapshotOptions {
  return {
    filter: o.filter,
    exclude: o.exclude,
    kubeconfig: o.kubeconfig,
    maxNodesPerEntry: o.maxNodesPerEntry,
    timeoutMs,
    version: buildInfo.version,
  };
}

/** `--cache-ttl` in ms (exit 2 unless a duration > 0). */
function cacheTtlMs(text: string): number {
  const ms = parseDuration(text, '--cache-ttl');
  if (ms <= 0) throw invalid(`--cache-ttl must be greater than 0 (e.g. 5m); to collect anew use --no-cache`);
  return ms;
}

/**
 * The snapshot cache of a local request: its key, and the cached snapshot when one may be reused.
 * Never in the agent Job (AICR_AGENT_MODE), whose collection must be its own.
 */
async function lookupCache(o: LocalSnapshotRequest): Promise<{ key?: string; hit?: Snapshot }> {
  if (o.cacheTtl === undefined) return {};
  if (agentModeFromEnv()) {
    log().debug('snapshot cache not used in the agent Job');
    return {};
  }
  const ttlMs = cacheTtlMs(o.cacheTtl);
  const { cacheKey, readCache } = await import('../snapshot/cache.js');
  const { kubeconfigInputs } = await import('../io/writer.js');
  const key = await cacheKey({
    version: buildInfo.version,
    collectors: selectCollectors(o.filter, o.exclude),
    maxNodesPerEntry: o.maxNodesPerEntry,
    kubeconfigs: kubeconfigInputs(o.kubeconfig, [], true).flatMap(([, f]) => (f ? [f] : [])),
    osRoot: osRootFromEnv(),
    nodeName: resolveNodeName(process.env),
  });
  if (o.noCache) return { key };
  const cached = await readCache(key, ttlMs);
  if (!cached) return { key };
  const age = formatDuration(Math.max(0, Date.now() - cached.created));
  log().info(
    `reusing the snapshot collected ${age} ago (--cache-ttl ${o.cacheTtl}; --no-cache to collect anew)`,
  );
  return { key, hit: cached.snapshot };
}

/** Collects the snapshot on this machine (or reuses a cached one) and writes it (file, stdout, ConfigMap, S3). */
export async function runLocalSnapshot(o: LocalSnapshotRequest): Promise<void> {
  const { format, inputs } = o;
  // Bad flags fail first, cache or not.
  selectCollectors(o.filter, o.exclude);
  if (o.timeout !== undefined) parseDuration(o.timeout, '--timeout');
  // A cache hit skips the cluster set-up (kubeconfig loading, cm:// and s3:// pre-checks): the entry
  // exists only because a collection with this kubeconfig (same path, mtime and size) succeeded, and
  // the write reports its own errors.
  const { key, hit } = await lookupCache(o);
  let snap = hit;
  if (!snap) {
    const timeoutMs = await prepareLocal(o);
    // Ctrl-C / SIGTERM during collection: child process groups are killed, exit 130 / 143.
    const release = holdInterrupts();
    snap = await collectLocalSnapshot(collectOptions(o, timeoutMs)).finally(release);
    if (key) await (await import('../snapshot/cache.js')).writeCache(key, snap);
  }
  if (o.requireGpu) checkRequireGpu(snap);
  await writeDocument(o.output, snap, { kind: 'snapshot', format, kubeconfig: o.kubeconfig, inputs });
  if (o.upload !== undefined) {
    await writeDocument(o.upload, snap, { kind: 'snapshot', format, kubeconfig: o.kubeconfig, inputs });
  }
  setAttrs({ 'aicr.measurements': snap.measurements.length });
  log().info('snapshot completed', {
    output: o.output || 'stdout',
    ...(o.upload !== undefined ? { upload: o.upload } : {}),
    measurements: snap.measurements.map((m) => m.type).join(','),
  });
}

/** `aicr snapshot --watch`: the local request plus the watch flags as given (durations unparsed). */
export interface WatchSnapshotRequest extends LocalSnapshotRequest {
  interval?: string;
  onChange?: string;
  maxChanges?: number;
  watchTimeout?: string;
}

/**
 * Keeps collecting on this machine (src/snapshot/watch.ts): NDJSON change objects on stdout, the
 * `-o` target (file or ConfigMap) rewritten on every change. Ends with exit 0 on SIGINT/SIGTERM,
 * --max-changes or --watch-timeout.
 */
export async function runWatchSnapshot(o: WatchSnapshotRequest): Promise<void> {
  const { format, inputs } = o;
  const intervalMs = parseDuration(o.interval ?? '30s', '--interval');
  if (intervalMs <= 0) throw invalid('--interval must be greater than 0');
  const watchTimeoutMs = o.watchTimeout ? parseDuration(o.watchTimeout, '--watch-timeout') : 0;
  const timeoutMs = await prepareLocal(o);
  const { watchSnapshots } = await import('../snapshot/watch.js');
  const output = o.output && o.output !== '-' ? o.output : undefined;
  await watchSnapshots({
    intervalMs,
    onChange: o.onChange,
    maxChanges: o.maxChanges,
    timeoutMs: watchTimeoutMs,
    root: osRootFromEnv(),
    collect: (signal) => collectLocalSnapshot({ ...collectOptions(o, timeoutMs), signal }),
    writeSnapshot: output
      ? (snap) => writeDocument(output, snap, { kind: 'snapshot', format, kubeconfig: o.kubeconfig, inputs })
      : undefined,
  });
}

/** `--require-gpu` for a locally collected snapshot: a GPU measurement with gpu-count > 0. */
export function checkRequireGpu(snap: Snapshot): void {
  const gpu = snap.measurements.find((m) => m.type === 'GPU');
  const found = (gpu?.subtypes ?? []).some((s) => {
    const n = s.data?.['gpu-count'];
    return (typeof n === 'number' || typeof n === 'bigint') && n > 0;
  });
  if (!found) {
    throw new AicrError(
      'NOT_FOUND',
      '--require-gpu was set but no GPU was detected (nvidia-smi not found or returned 0 GPUs)',
    );
  }
}

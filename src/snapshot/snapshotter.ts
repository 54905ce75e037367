/**
 * Snapshot orchestration: runs collectors concurrently, each under its own timeout, and assembles the
 * Snapshot document with measurements in the fixed order of the collectors given.
 *
 * A collector that fails, times out or is still running when `signal` aborts is logged as a warning and
 * its measurement is left out; the snapshot itself never fails because of a collector.
 */
import type { Collector } from '../collector/types.js';
import { log } from '../logging/logger.js';
import { recordError, setAttrs, span } from '../telemetry/trace.js';
import { API_VERSION, type Measurement, type Snapshot } from '../model/snapshot.js';
import { formatDuration } from '../util/duration.js';

export interface SnapshotOptions {
  /** Collectors in output order. */
  collectors: Collector[];
  /** Aborts the whole collection (e.g. `--timeout`); collectors still running are dropped. */
  signal?: AbortSignal;
  /** CLI version for `metadata.version` (omitted when empty). */
  version?: string;
  /** `metadata.source-node`. */
  nodeName: string;
  /** Clock for `metadata.timestamp` (tests). */
  now?: () => Date;
}

/** RFC 3339 UTC timestamp with seconds precision: `2026-03-02T08:00:00Z`. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

class CollectorTimeout extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${formatDuration(ms)}`);
    this.name = 'CollectorTimeout';
  }
}

/** Runs one collector under its timeout and the parent signal; undefined when it produced nothing. */
export function runCollector(c: Collector, parent?: AbortSignal): Promise<Measurement | undefined> {
  return span(`collector ${c.type}`, { 'aicr.collector': c.type, 'aicr.timeout_ms': c.timeoutMs }, () =>
    collectOne(c, parent),
  );
}

async function collectOne(c: Collector, parent?: AbortSignal): Promise<Measurement | undefined> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new CollectorTimeout(c.timeoutMs)), c.timeoutMs);
  const onParent = () => ctl.abort(parent?.reason ?? new Error('snapshot aborted'));
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(ctl.signal.reason instanceof Error ? ctl.signal.reason : new Error(String(ctl.signal.reason)));
    if (ctl.signal.aborted) fail();
    else ctl.signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  const started = Date.now();
  try {
    // The race makes a collector that ignores its signal unable to hold the snapshot up.
    const m = await Promise.race([c.collect(ctl.signal), aborted]);
    log().debug(`collected ${c.type}`, { ms: Date.now() - started });
    setAttrs({ 'aicr.outcome': 'ok', 'aicr.subtypes': m?.subtypes?.length ?? 0 });
    return m;
  } catch (err) {
    const why =
      err instanceof CollectorTimeout
        ? err.message
        : ctl.signal.aborted && parent?.aborted
          ? `interrupted: ${err instanceof Error ? err.message : String(err)}`
          : err instanceof Error
            ? err.message
            : String(err);
    log().warn(`failed to collect ${c.type} - skipping: ${why}`);
    recordError(err, 'skipped');
    return undefined;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParent);
  }
}

/** Runs every collector concurrently and returns the Snapshot (measurements in collector order). */
export async function takeSnapshot(opts: SnapshotOptions): Promise<Snapshot> {
  const now = (opts.now ?? (() => new Date()))();
  const results = await Promise.all(opts.collectors.map((c) => runCollector(c, opts.signal)));
  const metadata: Record<string, string> = { 'source-node': opts.nodeName, timestamp: rfc3339(now) };
  if (opts.version) metadata.version = opts.version;
  return {
    kind: 'Snapshot',
    apiVersion: API_VERSION,
    metadata,
    measurements: results.filter((m): m is Measurement => m !== undefined).map(sortMeasurement),
  };
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort(byteOrder)) out[k] = r[k]!;
  return out;
}

/**
 * Data keys in byte order, so output is deterministic. (JavaScript objects always list integer-like
 * keys such as `2024` first, in numeric order; the rest follow sorted.)
 */
function sortMeasurement(m: Measurement): Measurement {
  if (!m.subtypes) return m;
  return {
    ...m,
    subtypes: m.subtypes.map((s) => ({
      ...s,
      data: sortRecord(s.data),
      ...(s.context ? { context: sortRecord(s.context) } : {}),
    })),
  };
}

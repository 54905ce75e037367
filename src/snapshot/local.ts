/**
 * Local collection (docs/decisions.md, decision 1): every selected collector runs on this machine; cluster collectors use
 * the kubeconfig chain when a cluster is reachable and degrade with one warning when not.
 */
import {
  createCollectors,
  resolveNodeName,
  selectCollectors,
  type CollectorFactoryOptions,
} from '../collector/index.js';
import { log } from '../logging/logger.js';
import type { Snapshot } from '../model/snapshot.js';
import { formatDuration } from '../util/duration.js';
import { takeSnapshot } from './snapshotter.js';

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
  const collectors = createCollectors(names, { ...opts, env, nodeName, signal: ctl.signal });
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
  }
}

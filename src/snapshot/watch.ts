/**
 * `aicr snapshot --watch`: collect again and again, write one NDJSON change object per change.
 *
 * Trigger (hybrid, as the architecture notes describe): the interval, plus file-system events on the
 * files behind the collectors where the platform emits them (os-release, grub defaults, kubelet and
 * containerd configuration): an event starts a collection within a second (250 ms settle time).
 * The parent directories are watched, so an editor's or package manager's rename-over still counts.
 *
 * Output: stdout gets one JSON object per line. Without `-o` the first line is the full snapshot
 * (`{"time", "snapshot"}`); with `-o` the first snapshot goes there and is replaced (atomically, or as a
 * ConfigMap update) on every change. Each change is `{"time", "sequence", "changes", "patch"}`: the
 * measurement-path changes and the RFC 6902 patch against the previous snapshot, both without the
 * readings of the default ignore list (capture time, /proc/sys counters), so an idle node stays
 * quiet.
 *
 * `--on-change CMD` runs through /bin/sh with the change object on stdin and AICR_CHANGE_* variables;
 * its stdout and stderr go to aicr's stderr (stdout stays NDJSON); a failure is logged; runs never
 * overlap: a change during a run queues one more run with the latest change.
 *
 * SIGINT/SIGTERM, `--max-changes N` and `--watch-timeout D` stop the loop: a collection in progress is
 * abandoned (nothing of it is written), a running on-change command is waited for, exit 0.
 */
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { log } from '../logging/logger.js';
import { writeStdout } from '../util/stdio.js';
import { toJson } from '../io/serialize.js';
import type { Snapshot } from '../model/snapshot.js';
import {
  DEFAULT_IGNORES,
  IgnoreSet,
  snapshotChanges,
  withoutIgnoredReadings,
  type Change,
} from '../diff/changes.js';
import { diffPatch, type PatchOp } from '../diff/patch.js';
import { rfc3339 } from './snapshotter.js';

/** Files whose change is worth a collection at once (under AICR_OS_ROOT when set). */
export const WATCHED_FILES = [
  '/etc/os-release',
  '/usr/lib/os-release',
  '/etc/default/grub',
  '/etc/containerd/config.toml',
  '/var/lib/kubelet/config.yaml',
  '/etc/kubernetes/kubelet.conf',
];

/** Settle time after a file event before collecting (several events of one edit become one run). */
const SETTLE_MS = 250;

export interface ChangeObject {
  time: string;
  sequence: number;
  changes: Change[];
  patch: PatchOp[];
}

export interface WatchOptions {
  intervalMs: number;
  /** Collects one snapshot; the signal aborts it (stop requested). */
  collect: (signal: AbortSignal) => Promise<Snapshot>;
  /** Writes the first snapshot and each new one to `-o` (absent: the first goes to stdout). */
  writeSnapshot?: (snap: Snapshot) => Promise<void>;
  onChange?: string;
  maxChanges?: number;
  timeoutMs?: number;
  /** Root the watched files are under (AICR_OS_ROOT). */
  root?: string;
  ignore?: readonly string[];
}

/** Line of stdout: JSON on one line (NDJSON). */
function ndjson(value: unknown): string {
  return toJson(value, 0).replace(/\n/g, '') + '\n';
}

/** Runs `--on-change` commands one at a time; one more is queued while one runs (the latest change). */
class ChangeRunner {
  private running: Promise<void> | undefined;
  private queued: ChangeObject | undefined;

  constructor(private readonly command: string) {}

  submit(change: ChangeObject): void {
    if (this.running) {
      this.queued = change;
      return;
    }
    this.start(change);
  }

  private start(change: ChangeObject): void {
    this.running = this.runOne(change).finally(() => {
      this.running = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next) this.start(next);
    });
  }

  private runOne(change: ChangeObject): Promise<void> {
    const env = {
      ...process.env,
      AICR_CHANGE_TIME: change.time,
      AICR_CHANGE_SEQUENCE: String(change.sequence),
      AICR_CHANGE_COUNT: String(change.changes.length),
      AICR_CHANGE_PATHS: change.changes.map((c) => c.path).join('\n'),
    };
    return new Promise<void>((resolve) => {
      const child = spawn('/bin/sh', ['-c', this.command], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
      child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      child.stdin.on('error', () => undefined); // a command that does not read its stdin
      child.stdin.end(ndjson(change));
      child.on('error', (err) => {
        log().warn(`--on-change: cannot run command: ${err.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (code !== 0) {
          log().warn(
            `--on-change command failed (${signal ? `signal ${signal}` : `exit status ${code}`}); watching goes on`,
          );
        }
        resolve();
      });
    });
  }

  /** Waits for the running command and the queued one. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }
}

/** Watches the parent folders of `files`; calls `onEvent` for events on those names. */
function watchFiles(files: string[], onEvent: (file: string) => void): FSWatcher[] {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = path.dirname(f);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(path.basename(f));
  }
  const out: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        const n = name?.toString();
        if (n === undefined || names.has(n)) onEvent(path.join(dir, n ?? ''));
      });
      w.on('error', () => w.close());
      out.push(w);
    } catch {
      // A folder that does not exist (no kubelet here) or a platform without events: the interval covers it.
    }
  }
  return out;
}

/** Runs the watch loop until a stop condition; resolves when everything is written (exit 0). */
export async function watchSnapshots(opts: WatchOptions): Promise<void> {
  const ignore = new IgnoreSet(opts.ignore ?? DEFAULT_IGNORES);
  const runner = opts.onChange ? new ChangeRunner(opts.onChange) : undefined;
  const stopCtl = new AbortController();
  let wake: (() => void) | undefined;
  let fileEvent = false;
  const stop = (why: string) => {
    if (stopCtl.signal.aborted) return;
    log().debug(`watch stopping: ${why}`);
    stopCtl.abort(new Error(why));
    wake?.();
  };
  // src/util/child.ts's handler (live nvidia-smi, systemctl) sees this one and leaves the exit to us.
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const deadline = opts.timeoutMs
    ? setTimeout(() => stop('--watch-timeout reached'), opts.timeoutMs)
    : undefined;
  let settle: NodeJS.Timeout | undefined;
  const root = opts.root ?? '';
  const watchers = watchFiles(
    WATCHED_FILES.map((f) => (root ? path.join(root, f) : f)),
    (file) => {
      log().debug('watched file changed', { file });
      clearTimeout(settle);
      settle = setTimeout(() => {
        fileEvent = true;
        wake?.();
      }, SETTLE_MS);
    },
  );
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopCtl.signal.aborted || fileEvent) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  let changes = 0;
  try {
    let previous: Snapshot | undefined;
    while (!stopCtl.signal.aborted) {
      fileEvent = false;
      let snap: Snapshot;
      try {
        snap = await opts.collect(stopCtl.signal);
      } catch (err) {
        if (stopCtl.signal.aborted) break;
        throw err;
      }
      if (stopCtl.signal.aborted) break; // a collection cut short by the stop is never written
      const time = rfc3339(new Date());
      if (!previous) {
        if (opts.writeSnapshot) await opts.writeSnapshot(snap);
        else writeStdout(ndjson({ time, snapshot: snap }));
      } else {
        const a = withoutIgnoredReadings(previous as unknown as Record<string, unknown>, ignore);
        const b = withoutIgnoredReadings(snap as unknown as Record<string, unknown>, ignore);
        const list = snapshotChanges(a, b);
        if (list.length > 0) {
          changes++;
          const change: ChangeObject = { time, sequence: changes, changes: list, patch: diffPatch(a, b) };
          if (opts.writeSnapshot) await opts.writeSnapshot(snap);
          writeStdout(ndjson(change));
          runner?.submit(change);
          if (opts.maxChanges && changes >= opts.maxChanges) stop('--max-changes reached');
        }
      }
      previous = snap;
      if (!stopCtl.signal.aborted) await sleep(opts.intervalMs);
    }
  } finally {
    clearTimeout(deadline);
    clearTimeout(settle);
    for (const w of watchers) w.close();
    await runner?.drain();
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  }
  log().info('watch stopped', { changes });
}

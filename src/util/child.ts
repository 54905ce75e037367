/**
 * Child processes that aicr starts (nvidia-smi, systemctl, kubeconfig exec credential plugins) and the
 * rules that keep them bounded:
 *
 *  - every child runs in its own process group (`detached: true`, so its pgid is its pid); whatever it
 *    forks stays in that group unless it makes its own session;
 *  - the result is taken when the child EXITS, not when its pipes close: after the exit the group is
 *    killed (descendants it left behind go with it) and the output read so far, plus what is still in
 *    the pipes, is the result; a descendant in another session that keeps a pipe open is cut off after
 *    a short grace (the pipes are destroyed);
 *  - on timeout, abort, or an over-long output the group is killed with SIGKILL and the pipes are
 *    destroyed at once, so nothing keeps the event loop (and aicr) alive;
 *  - while any child is alive, SIGINT and SIGTERM kill every live group; when no other part of aicr
 *    handles the signal, aicr then exits 130 (SIGINT) or 143 (SIGTERM);
 *  - on process exit, groups still alive are killed.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from './duration.js';

// node:child_process (with net, dgram and the stream modules it loads) is required on the first spawn,
// not when this module loads: the OS collector and others import this module without running anything.
const requireBuiltin = createRequire(import.meta.url);
type ChildProcessModule = typeof import('node:child_process');
const spawn = (file: string, args: readonly string[], options: SpawnOptions): ChildProcess =>
  (requireBuiltin('node:child_process') as ChildProcessModule).spawn(file, args, options);

// The registry of live groups and the interrupt handling live in child-groups.ts, which does not load
// node:child_process (the CLI's entry point imports it; decision 15).
import { disposeAllChildren, holdInterrupts, live, updateHandlers } from './child-groups.js';

export { disposeAllChildren, holdInterrupts };

/** The absolute path of an executable named `name` on `PATH` (or `name` itself when it has a slash). */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : envPath.split(path.delimiter).map((d) => path.join(d || '.', name));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return path.resolve(c);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class RunError extends Error {
  constructor(
    readonly kind: 'timeout' | 'aborted' | 'spawn' | 'too-large',
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RunError';
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Cap on stdout bytes (default 64 MiB). */
  maxBytes?: number;
  /** Cap on the stderr bytes kept (default 64 KiB; the rest is read and dropped). */
  maxStderrBytes?: number;
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child. */
  cwd?: string;
  /** Name used in messages (default: the file's base name). */
  name?: string;
}

/** After the child exits, how long its pipes may stay open (held by a descendant outside its group). */
export const PIPE_GRACE_MS = 250;

/**
 * Runs `file args…` without a shell, in its own process group. Resolves with the exit status and output
 * when the child exits (a non-zero exit is not an error here). Rejects on timeout, abort, spawn failure
 * or too much output, after killing the group and destroying the pipes.
 */
export function runCommand(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const maxBytes = opts.maxBytes ?? 64 << 20;
  const maxErr = opts.maxStderrBytes ?? 64 * 1024;
  const name = opts.name ?? path.basename(file);
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new RunError('aborted', `${name} was not started: aborted`));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: opts.env ?? process.env,
        cwd: opts.cwd,
      });
    } catch (e) {
      reject(new RunError('spawn', `cannot run ${file}: ${(e as Error).message}`, e));
      return;
    }
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const pgid = child.pid;

    const killGroup = () => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
    };
    const destroyPipes = () => {
      stdout.destroy();
      stderr.destroy();
    };
    const dispose = () => {
      killGroup();
      destroyPipes();
    };
    if (pgid !== undefined) {
      live.set(pgid, dispose);
      updateHandlers();
    }
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (pgid !== undefined && live.get(pgid) === dispose) live.delete(pgid);
      updateHandlers();
      fn();
    };
    const fail = (e: RunError) => {
      dispose();
      finish(() => reject(e));
    };
    const succeed = (x: { code: number | null; signal: NodeJS.Signals | null }) =>
      finish(() =>
        resolve({
          ...x,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    const timer = setTimeout(
      () => fail(new RunError('timeout', `${name} did not finish within ${formatDuration(opts.timeoutMs)}`)),
      opts.timeoutMs,
    );
    const onAbort = () => fail(new RunError('aborted', `${name} was interrupted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const maybeDone = () => {
      if (!exited || settled) return;
      if (!stdout.closed || !stderr.closed) return;
      succeed(exited);
    };
    stdout.on('data', (c: Buffer) => {
      if (settled) return;
      outBytes += c.length;
      if (outBytes > maxBytes) {
        fail(new RunError('too-large', `${name} printed more than ${maxBytes} bytes`));
        return;
      }
      out.push(c);
    });
    stderr.on('data', (c: Buffer) => {
      if (errBytes < maxErr) err.push(c.subarray(0, maxErr - errBytes));
      errBytes += c.length;
    });
    stdout.on('close', maybeDone);
    stderr.on('close', maybeDone);
    stdout.on('error', () => undefined);
    stderr.on('error', () => undefined);
    child.on('error', (e) => {
      fail(new RunError('spawn', `cannot run ${file}: ${e.message}`, e));
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // The result is the child's: descendants it left in its group go now, which closes the pipes
      // they held; one that escaped the group is cut off after a short grace.
      killGroup();
      graceTimer = setTimeout(() => {
        destroyPipes();
        // 'close' follows destroy; make sure we settle even if it does not.
        setImmediate(() => {
          if (!settled) {
            succeed({ code, signal });
          }
        });
      }, PIPE_GRACE_MS);
      maybeDone();
    });
  });
}

/** Small helpers shared by collectors: capped UTF-8 file reads, line splitting, running a command. */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/** Largest file a collector reads (1 MiB), as upstream. */
export const MAX_FILE_BYTES = 1 << 20;

export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'unreadable' | 'too-large' | 'not-utf8',
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'FileReadError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a file (including /proc files, whose size is reported as 0) up to `maxBytes`; more is an error,
 * and so is text that is not valid UTF-8.
 */
export function readTextFile(file: string, maxBytes = MAX_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileReadError(file, 'missing', `${file} does not exist`, err);
    }
    throw new FileReadError(file, 'unreadable', `cannot open ${file}: ${(err as Error).message}`, err);
  }
  try {
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw new FileReadError(file, 'unreadable', `cannot read ${file}: ${(err as Error).message}`, err);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) {
        throw new FileReadError(file, 'too-large', `${file} is larger than ${maxBytes} bytes`);
      }
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    try {
      return utf8.decode(Buffer.concat(chunks, total));
    } catch (err) {
      throw new FileReadError(file, 'not-utf8', `${file} is not valid UTF-8`, err);
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines with surrounding whitespace trimmed; blank lines and `#` comments dropped. */
export function contentLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

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
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `file args…` without a shell. Resolves with the exit status and output (a non-zero exit is not an
 * error here). On timeout or abort the whole process group is killed and the promise rejects at once,
 * even when a grandchild still holds the output pipes open.
 */
export function runCommand(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const maxBytes = opts.maxBytes ?? 64 << 20;
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new RunError('aborted', `${path.basename(file)} was not started: aborted`));
      return;
    }
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: opts.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        try {
          child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(() =>
        reject(
          new RunError('timeout', `${path.basename(file)} did not finish within ${fmtMs(opts.timeoutMs)}`),
        ),
      );
    }, opts.timeoutMs);
    const onAbort = () => {
      killGroup();
      finish(() => reject(new RunError('aborted', `${path.basename(file)} was interrupted`)));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxBytes) {
        killGroup();
        finish(() =>
          reject(new RunError('too-large', `${path.basename(file)} printed more than ${maxBytes} bytes`)),
        );
        return;
      }
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (errBytes < 64 * 1024) err.push(c);
      errBytes += c.length;
    });
    child.on('error', (e) => {
      finish(() => reject(new RunError('spawn', `cannot run ${file}: ${e.message}`, e)));
    });
    child.on('close', (code, sig) => {
      finish(() =>
        resolve({
          code,
          signal: sig,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
  });
}

export function fmtMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** First non-empty line of a command's stderr, for messages. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

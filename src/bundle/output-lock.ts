/**
 * The output directory's lock file (`.<name>.aicr-lock`, see src/bundle/staging.ts): holds the PID and the
 * process start time, so a stale lock of a dead (or reused) PID is taken over and a live one is refused.
 */
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { fsError, lstatOrUndef, readOrUndef } from './fs-sync.js';
import { AicrError } from '../errors/index.js';

/** Start time of a process (field 22 of /proc/<pid>/stat), to tell a reused PID from the holder. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function processAlive(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start) {
    const now = processStart(pid);
    if (now !== undefined && now !== start) return false; // the PID now belongs to another process
  }
  return true;
}

const lockText = () => `pid: ${process.pid}\nstart: ${processStart(process.pid) ?? ''}\n`;

function parseLock(text: string): { pid?: number; start?: string } {
  const pid = /^pid: (\d+)$/m.exec(text)?.[1];
  const start = /^start: (\S+)$/m.exec(text)?.[1];
  return { pid: pid ? Number(pid) : undefined, start };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates `file` exclusively (O_EXCL, mode 0644) holding `text`; EEXIST when it is there. */
function createExclusive(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Takes `lockPath` (O_EXCL); recovers a stale lock; throws "in use" while a live process holds it. */
export function acquireLock(lockPath: string, outputDir: string): string {
  const mine = lockText();
  for (let attempt = 0; ; attempt++) {
    try {
      createExclusive(lockPath, mine);
      return mine;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw fsError(`cannot create lock file ${lockPath}`, err);
    }
    const text = readOrUndef(lockPath);
    if (text === undefined) continue; // released meanwhile: try again
    const holder = parseLock(text);
    const age = Date.now() - (lstatOrUndef(lockPath)?.mtimeMs ?? 0);
    const live =
      holder.pid !== undefined
        ? holder.pid !== process.pid && processAlive(holder.pid, holder.start)
        : age < 5000; // being written right now, or garbage: stale after 5 s
    if (live || attempt >= 200) {
      throw new AicrError(
        'SERVICE_UNAVAILABLE',
        `output directory ${outputDir} is in use by ${holder.pid !== undefined ? `PID ${holder.pid}` : 'another process'} (lock file ${lockPath}); wait for that aicr bundle to finish, or remove the lock file if no such process runs`,
      );
    }
    // Stale: take it over under a short-lived breaker lock, and only if it is still the same file.
    const breaker = `${lockPath}.break`;
    try {
      createExclusive(breaker, mine);
    } catch {
      // Another run is taking the stale lock over; its breaker is stale when its process is gone.
      const b = readOrUndef(breaker);
      const bHolder = b ? parseLock(b) : {};
      const bAge = Date.now() - (lstatOrUndef(breaker)?.mtimeMs ?? Date.now());
      if (bHolder.pid !== undefined ? !processAlive(bHolder.pid, bHolder.start) : bAge > 5000)
        rmSync(breaker, { force: true });
      else sleepSync(20);
      continue;
    }
    try {
      if (readOrUndef(lockPath) === text) unlinkSync(lockPath);
    } finally {
      rmSync(breaker, { force: true });
    }
  }
}

/** Synchronous file-system helpers of the bundle staging (src/bundle/staging.ts): errors, quiet reads, fsync. */
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, rmdirSync, type Stats } from 'node:fs';
import { AicrError } from '../errors/index.js';

export function fsError(what: string, err: unknown): AicrError {
  const code = (err as NodeJS.ErrnoException).code;
  const kind =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'UNAUTHORIZED'
      : code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP' || code === 'EEXIST'
        ? 'INVALID_REQUEST'
        : 'INTERNAL';
  return new AicrError(kind, `${what}: ${(err as Error).message}`);
}

export function lstatOrUndef(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

export function readOrUndef(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

export function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    /* not empty or gone: leave it */
  }
}

export function syncDir(d: string): void {
  try {
    const fd = openSync(d, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort: some file systems refuse fsync on directories */
  }
}

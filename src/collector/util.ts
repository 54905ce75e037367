/** Small helpers shared by collectors: capped UTF-8 file reads, line splitting, running a command. */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Largest file a collector reads (1 MiB), as upstream. */
export const MAX_FILE_BYTES = 1 << 20;

export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'unreadable' | 'not-regular' | 'too-large' | 'not-utf8',
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'FileReadError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | undefined;

/**
 * Reads a file (including /proc files, whose size is reported as 0) up to `maxBytes`; more is an error,
 * and so is text that is not valid UTF-8. Only regular files are read: the file is opened without
 * blocking (O_NONBLOCK, so a FIFO or a device planted at the path cannot hold the process) and
 * anything that is not a regular file once opened is refused (`not-regular`).
 */
export function readTextFile(file: string, maxBytes = MAX_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileReadError(file, 'missing', `${file} does not exist`, err);
    }
    throw new FileReadError(file, 'unreadable', `cannot open ${file}: ${(err as Error).message}`, err);
  }
  try {
    let regular = false;
    try {
      regular = fstatSync(fd).isFile();
    } catch {
      /* treated as not regular */
    }
    if (!regular) {
      throw new FileReadError(file, 'not-regular', `${file} is not a regular file`);
    }
    // One scratch buffer for every read (a walk of /proc/sys reads a thousand small files), filled
    // in order; only a file larger than it is copied out in chunks.
    const buf = (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES));
    const chunks: Buffer[] = [];
    let total = 0;
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        chunks.push(Buffer.from(buf));
        used = 0;
      }
      let n: number;
      try {
        n = readSync(fd, buf, used, buf.length - used, null);
      } catch (err) {
        throw new FileReadError(file, 'unreadable', `cannot read ${file}: ${(err as Error).message}`, err);
      }
      if (n === 0) break;
      total += n;
      used += n;
      if (total > maxBytes) {
        throw new FileReadError(file, 'too-large', `${file} is larger than ${maxBytes} bytes`);
      }
    }
    try {
      if (chunks.length === 0) return utf8.decode(buf.subarray(0, used));
      chunks.push(buf.subarray(0, used));
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

/** First non-empty line of a command's stderr, for messages. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

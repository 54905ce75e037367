/**
 * Writing to stdout and stderr with `fs.writeSync` on the file descriptors. Creating
 * `process.stdout`/`process.stderr` builds stream objects (and, for pipes, loads the networking
 * stack), which costs about 7% of a short command's start-up; the descriptors need none of it.
 * Falls back to the streams when a non-blocking descriptor is full (EAGAIN); a closed reader
 * (EPIPE, e.g. `aicr … | head`) ends the output quietly.
 */
import { fstatSync, writeSync } from 'node:fs';

let closed = { 1: false, 2: false };

function writeFd(fd: 1 | 2, text: string): void {
  if (closed[fd] || text === '') return;
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
        return;
      }
      if (code === 'EPIPE') {
        closed = { ...closed, [fd]: true };
        return;
      }
      throw err;
    }
  }
}

export function writeStdout(text: string): void {
  writeFd(1, text);
}

export function writeStderr(text: string): void {
  writeFd(2, text);
}

/**
 * Whether stderr is a terminal, without building `process.stderr` for pipes and files: only a
 * character device can be a terminal, and only then is the stream (and its TTY check) created.
 */
export function stderrIsTerminal(): boolean {
  try {
    if (!fstatSync(2).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return !!process.stderr.isTTY;
}

/**
 * Generated files and `checksums.txt`: one line per file, `<sha256 hex>␣␣<relative path>`, in
 * generation order, `\n`-terminated — the format `sha256sum -c checksums.txt` reads.
 */
import { createHash } from 'node:crypto';

export interface GeneratedFile {
  /** Path relative to the bundle root, `/`-separated. */
  path: string;
  content: string | Buffer;
  /** File mode (0o644 for data, 0o755 for scripts). */
  mode: number;
}

export const FILE_MODE = 0o644;
export const SCRIPT_MODE = 0o755;

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** One `sha256sum` line; names with `\\` or a newline are escaped the way GNU sha256sum does. */
export function checksumLine(file: GeneratedFile): string {
  const sum = sha256(file.content);
  if (!/[\\\n\r]/.test(file.path)) return `${sum}  ${file.path}\n`;
  const name = file.path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `\\${sum}  ${name}\n`;
}

export function checksumsFile(files: GeneratedFile[]): GeneratedFile {
  const lines = files.map(checksumLine).join('');
  return { path: 'checksums.txt', content: lines, mode: FILE_MODE };
}

export function byteSize(content: string | Buffer): number {
  return typeof content === 'string' ? Buffer.byteLength(content) : content.length;
}

/**
 * Writing outputs: stdout (no location or `-`), a file, or a ConfigMap (`cm://namespace/name`).
 *
 * Writing a file never destroys what was there:
 *  - a character device, FIFO or block device (`/dev/null`, a named pipe) is opened and written into; a
 *    Unix socket is connected to and written into; none is ever replaced by a file; `/dev/stdout` and
 *    `/dev/stderr` are the process's own descriptors;
 *  - a symlink is followed to its final target, which is written as below (as cp, helm and kubectl do);
 *    the link itself stays;
 *  - an existing regular file is replaced atomically (temp file in the same folder, fsync, rename) with
 *    its mode and owner carried over; where the owner cannot be kept (not root), the folder is not
 *    writable, or the file has other hard links, it is rewritten in place instead (truncate + write +
 *    fsync), so mode, owner and links stay;
 *  - a new file is created atomically with the mode the umask gives (0666 & ~umask);
 *  - an output that is also an input of the same command (same device and inode, so symlinks and hard
 *    links count) is refused (exit 2) before anything is written.
 * A path that cannot be an output (missing parent folder, a parent that is a file, a directory, a
 * `scheme://` other than cm:// and s3://) is bad input (exit 2); EACCES/EPERM is exit 4.
 * `s3://bucket/key` is one object written through the AWS SDK (src/io/s3.ts, loaded only then):
 * readers see the old object or the new one, never part of one.
 */
import { constants as fsc } from 'node:fs';
import type { RmOptions } from 'node:fs';
import { createRequire } from 'node:module';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { buildInfo } from '../version/buildinfo.js';
import { configMapStore, dataKeyFor } from './configmap.js';
import { CONFIGMAP_MAX_BYTES } from './limits.js';
import { serialize, type Format } from './serialize.js';
import {
  checkOutputLocation,
  isConfigMapUri,
  isHttpUrl,
  isS3Uri,
  parseConfigMapUri,
  parseS3Uri,
  schemeOf,
} from './uri.js';
import { writeStderr, writeStdout } from '../util/stdio.js';

// node:fs/promises and node:net load a few dozen internal modules; they are imported on first use, so
// that commands writing to stdout (and every command's start-up) do not pay for them (decision 15).
// A synchronous require: inside the bundle's vm.Script a dynamic import() of a built-in has no loader.
const requireBuiltin = createRequire(import.meta.url);
const fsp = async () => requireBuiltin('node:fs/promises') as typeof import('node:fs/promises');
const lstat = async (p: string) => (await fsp()).lstat(p);
const stat = async (p: string) => (await fsp()).stat(p);
const readlink = async (p: string) => (await fsp()).readlink(p);
const realpath = async (p: string) => (await fsp()).realpath(p);
const rename = async (from: string, to: string) => (await fsp()).rename(from, to);
const rm = async (p: string, o?: RmOptions) => (await fsp()).rm(p, o);
const open = async (p: string, flags: number, mode?: number) => (await fsp()).open(p, flags, mode);

/** Symlink hops followed before giving up (the kernel's limit is 40). */
const MAX_SYMLINK_HOPS = 40;

let tmpCounter = 0;

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENXIO: 'no reader on the other end',
  ECONNREFUSED: 'nothing listens on the socket',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'file exists',
  ETXTBSY: 'text file busy',
  EIO: 'input/output error',
};

/** An output error: permission problems are exit 4, every other unusable path exit 2 (never 8). */
function outputError(file: string, err: unknown): AicrError {
  if (err instanceof AicrError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (err as Error).message;
  return new AicrError(
    code === 'EACCES' || code === 'EPERM' ? 'UNAUTHORIZED' : 'INVALID_REQUEST',
    `cannot write output file ${file}: ${reason}`,
  );
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The final target of `file` after following symlinks in its last component (it may not exist). */
async function followLinks(file: string): Promise<string> {
  let cur = path.resolve(file);
  for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
    let st;
    try {
      st = await lstat(cur);
    } catch (err) {
      if (errno(err) === 'ENOENT') return cur;
      throw err;
    }
    if (!st.isSymbolicLink()) return cur;
    cur = path.resolve(path.dirname(cur), await readlink(cur));
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

/** Checks that a missing output's parent is an existing directory (no folders are created). */
async function checkParent(file: string, target: string): Promise<void> {
  const dir = path.dirname(target);
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT') {
      throw invalid(`cannot write output file ${file}: folder ${dir} does not exist (create it first)`);
    }
    if (errno(err) === 'ENOTDIR') {
      throw invalid(`cannot write output file ${file}: ${dir} is not a directory`);
    }
    throw outputError(file, err);
  }
  if (!st.isDirectory()) throw invalid(`cannot write output file ${file}: ${dir} is not a directory`);
}

async function writeAll(fh: FileHandle, content: Buffer): Promise<void> {
  let off = 0;
  while (off < content.length) {
    const { bytesWritten } = await fh.write(content, off, content.length - off);
    off += bytesWritten;
  }
}

/** Writes into an existing non-regular file (device, FIFO): open without creating or truncating. */
async function writeThrough(target: string, content: Buffer): Promise<void> {
  const fh = await open(target, fsc.O_WRONLY);
  try {
    await writeAll(fh, content);
  } finally {
    await fh.close();
  }
}

/** Connects to a Unix socket and sends the content. */
function writeSocket(target: string, content: Buffer): Promise<void> {
  const net = requireBuiltin('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ path: target });
    sock.once('error', reject);
    sock.once('connect', () => sock.end(content));
    sock.once('finish', () => {
      sock.destroy();
      resolve();
    });
  });
}

/** Rewrites an existing regular file in place: same inode, so mode, owner and hard links stay. */
async function writeInPlace(target: string, content: Buffer): Promise<void> {
  const fh = await open(target, fsc.O_WRONLY | fsc.O_TRUNC);
  try {
    await writeAll(fh, content);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Temp file beside `target`, fsync, rename over it. With `keep`, the temp gets the old file's mode and
 * owner first; returns false (nothing changed) when the owner cannot be kept or the folder is not
 * writable, so the caller rewrites in place instead.
 */
async function replaceAtomically(
  target: string,
  content: Buffer,
  keep?: { mode: number; uid: number; gid: number },
): Promise<boolean> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.aicr-${process.pid}-${++tmpCounter}.tmp`);
  let fh: FileHandle | undefined;
  try {
    try {
      fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, keep ? 0o600 : 0o666);
    } catch (err) {
      if (keep && (errno(err) === 'EACCES' || errno(err) === 'EPERM' || errno(err) === 'EROFS')) {
        return false;
      }
      throw err;
    }
    if (keep) {
      const st = await fh.stat();
      if (st.uid !== keep.uid || st.gid !== keep.gid) {
        try {
          await fh.chown(keep.uid, keep.gid);
        } catch {
          await fh.close();
          fh = undefined;
          await rm(tmp, { force: true });
          return false;
        }
      }
      await fh.chmod(keep.mode & 0o7777);
    }
    await writeAll(fh, content);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  // The rename is durable once the folder is synced; best effort (not every file system allows it).
  try {
    const d = await open(dir, fsc.O_RDONLY);
    await d.sync().finally(() => d.close());
  } catch {
    /* ignore */
  }
  return true;
}

/**
 * The standard descriptor named by `/dev/stdout`, `/dev/stderr`, `/dev/fd/1|2` or `/proc/self/fd/1|2`:
 * written directly, so a pipe, socket or `>>` redirection behind it is written through as the shell set
 * it up. Other `/dev/fd/N` paths are opened like any path (never a raw descriptor number, which could
 * be one of the runtime's own).
 */
export function descriptorPath(file: string): 1 | 2 | undefined {
  if (file === '/dev/stdout') return 1;
  if (file === '/dev/stderr') return 2;
  const m = /^\/(?:dev|proc\/self)\/fd\/([12])$/.exec(file);
  return m ? (Number(m[1]) as 1 | 2) : undefined;
}

function writeDescriptor(fd: 1 | 2, content: Buffer): void {
  if (fd === 1) writeStdout(content.toString('utf8'));
  else writeStderr(content.toString('utf8'));
}

/**
 * Writes `content` to the file `file` following the rules in this module's comment.
 * Throws INVALID_REQUEST (exit 2) for an unusable path and UNAUTHORIZED (exit 4) for EACCES/EPERM.
 */
export async function writeFileSafe(file: string, content: string | Buffer): Promise<void> {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  try {
    const fd = descriptorPath(file);
    if (fd !== undefined) return writeDescriptor(fd, buf);
    // stat follows every link the kernel follows (including /proc magic links).
    let st;
    try {
      st = await stat(file);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    if (!st) {
      // Missing, or a dangling symlink: create the final target, as cp does.
      const target = await followLinks(file);
      await checkParent(file, target);
      await replaceAtomically(target, buf);
      return;
    }
    if (st.isDirectory()) throw invalid(`cannot write output file ${file}: it is a directory`);
    if (st.isSocket()) return await writeSocket(file, buf);
    if (!st.isFile()) return await writeThrough(file, buf);
    const target = await realpath(file);
    const keep = { mode: st.mode, uid: st.uid, gid: st.gid };
    if (st.nlink > 1 || !(await replaceAtomically(target, buf, keep))) await writeInPlace(target, buf);
  } catch (err) {
    throw outputError(file, err);
  }
}

/** An input of the command, for the "output is also an input" check: [flag or description, location]. */
export type NamedInput = readonly [label: string, location: string | undefined];

function isLocalPath(location: string): boolean {
  return location !== '-' && schemeOf(location) === undefined;
}

/**
 * Refuses (exit 2) an output file that is also an input of the same command: the same file (device and
 * inode, so symlinks and hard links count) or a file inside an input directory (`--data`).
 * Only existing regular files can clash; devices such as /dev/stdout never do.
 */
export async function checkNotAnInput(output: string, inputs: readonly NamedInput[]): Promise<void> {
  if (!isLocalPath(output)) return;
  let out;
  try {
    out = await stat(output);
  } catch {
    return;
  }
  if (!out.isFile()) return;
  for (const [label, location] of inputs) {
    if (!location || !isLocalPath(location)) continue;
    let inp;
    try {
      inp = await stat(location);
    } catch {
      continue;
    }
    if (inp.isFile() && inp.dev === out.dev && inp.ino === out.ino) {
      throw invalid(
        `output "${output}" is the same file as the ${label} input "${location}"; ` +
          'writing it would destroy the input: choose another output path',
      );
    }
    if (inp.isDirectory()) {
      let dir: string;
      let real: string;
      try {
        dir = await realpath(location);
        real = await realpath(output);
      } catch {
        continue;
      }
      const rel = path.relative(dir, real);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
        throw invalid(
          `output "${output}" is a file inside the ${label} input directory "${location}"; ` +
            'writing it would change the input: choose another output path',
        );
      }
    }
  }
}

/**
 * Checks an output location before any work is done (exit 2 for an unusable one): the scheme, a
 * ConfigMap URI's form, a file's parent folder, a directory in the way, and that it is not an input.
 */
export async function preflightOutput(
  location: string | undefined,
  what: string,
  inputs: readonly NamedInput[] = [],
): Promise<void> {
  if (!location || location === '-') return;
  checkOutputLocation(location, what);
  if (isConfigMapUri(location)) {
    parseConfigMapUri(location);
    return;
  }
  if (isS3Uri(location)) {
    parseS3Uri(location, what);
    return;
  }
  if (descriptorPath(location) !== undefined) return;
  try {
    let st;
    try {
      st = await stat(location);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    if (!st) await checkParent(location, await followLinks(location));
    else if (st.isDirectory()) throw invalid(`cannot write output file ${location}: it is a directory`);
  } catch (err) {
    throw outputError(location, err);
  }
  await checkNotAnInput(location, inputs);
}

export interface WriteOptions {
  /** Document kind for ConfigMap keys and labels: snapshot | recipe | validation. */
  kind: string;
  format: Format;
  kubeconfig?: string;
  /** Inputs of the command: a file output that is one of them is refused (exit 2). */
  inputs?: readonly NamedInput[];
}

/** Writes serialized `content` to stdout, a file or a ConfigMap. */
/** Serializes `doc` in `opts.format` and writes it like writeOutput. */
export async function writeDocument(
  location: string | undefined,
  doc: unknown,
  opts: WriteOptions,
): Promise<void> {
  await writeOutput(location, serialize(doc, opts.format), opts);
}

export async function writeOutput(
  location: string | undefined,
  content: string,
  opts: WriteOptions,
): Promise<void> {
  if (!location || location === '-') {
    writeStdout(content);
    return;
  }
  if (isHttpUrl(location) || schemeOf(location) !== undefined) checkOutputLocation(location, opts.kind);
  if (isS3Uri(location)) {
    const { writeS3Object } = await import('./s3.js');
    await writeS3Object(location, content, opts.kind);
    return;
  }
  if (isConfigMapUri(location)) {
    const ref = parseConfigMapUri(location);
    const key = dataKeyFor(opts.kind, opts.format);
    const size = Buffer.byteLength(content);
    if (size > CONFIGMAP_MAX_BYTES - 4096) {
      throw invalid(
        `${opts.kind} is too large for ConfigMap ${ref.namespace}/${ref.name} (${size} bytes; a ConfigMap holds at most 1 MiB); write it to a file instead`,
      );
    }
    const store = await configMapStore();
    await store.write(
      ref,
      {
        data: {
          [key]: content,
          format: opts.format,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        labels: {
          'app.kubernetes.io/name': 'aicr',
          'app.kubernetes.io/component': opts.kind,
          'app.kubernetes.io/version': buildInfo.version,
        },
      },
      { kubeconfig: opts.kubeconfig },
    );
    return;
  }
  await checkNotAnInput(location, opts.inputs ?? []);
  await writeFileSafe(location, content);
}

/**
 * The kubeconfig files a command reads, as inputs for the clash check: `--kubeconfig` always; the
 * `KUBECONFIG` list or ~/.kube/config when the command talks to a cluster (`always`, or any location is
 * cm://).
 */
export function kubeconfigInputs(
  flag: string | undefined,
  locations: readonly (string | undefined)[],
  always = false,
): NamedInput[] {
  if (flag) return [['--kubeconfig', flag]];
  if (!always && !locations.some((l) => l !== undefined && isConfigMapUri(l))) return [];
  const env = process.env.KUBECONFIG;
  if (env)
    return env
      .split(path.delimiter)
      .filter(Boolean)
      .map((f) => ['KUBECONFIG', f] as const);
  const home = process.env.HOME;
  return home ? [['kubeconfig', path.join(home, '.kube', 'config')]] : [];
}

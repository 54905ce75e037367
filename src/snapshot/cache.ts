/**
 * The local snapshot cache (`aicr snapshot --cache-ttl 5m`, docs/snapshot.md "Snapshot cache").
 *
 * A snapshot collected on this machine is kept in `$XDG_CACHE_HOME/aicr/snapshots/` (default
 * `~/.cache/aicr/snapshots/`) under the sha256 of what decides its content: aicr's version, the
 * collectors (after --filter/--exclude), --max-nodes-per-entry, the kubeconfig (paths and their
 * modification times), AICR_OS_ROOT, the node name, the host (hostname and boot id, else machine id) and
 * the user. A later run with the same key within the TTL reuses it instead of collecting.
 *
 * Nothing in the cache is trusted blindly; an entry is used only when all of these hold, else it is
 * ignored (the snapshot is collected anew and the entry replaced):
 *  - the folder is a real directory (not a symlink) owned by this user and not writable by others;
 *  - the file is a regular file (opened with O_NOFOLLOW), owned by this user, mode without group or
 *    other bits, at most CACHE_MAX_BYTES;
 *  - its header names the same key and a creation time within the TTL and not in the future;
 *  - its body parses (the same bounded parser as every input) into a valid Snapshot.
 * Entries are written atomically (temp file 0600 in the same folder, fsync, rename); the folder keeps
 * at most CACHE_MAX_ENTRIES entries (the oldest are removed). A cache that cannot be written is a debug
 * line, never a failure.
 */
import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from '../io/document.js';
import { serialize } from '../io/serialize.js';
import { log } from '../logging/logger.js';
import { toSnapshot } from '../model/load.js';
import type { Snapshot } from '../model/snapshot.js';
import { userCacheDir } from '../util/env.js';

/** Largest cache entry read (a big cluster's snapshot stays well under it). */
export const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Entries kept in the folder; writing one more removes the oldest. */
export const CACHE_MAX_ENTRIES = 32;
const HEADER_MAX = 1024;
const ENTRY = /^[0-9a-f]{64}\.snapshot$/;

/** What decides a snapshot's content (hashed into the key). */
export interface CacheKeyInput {
  version: string;
  collectors: readonly string[];
  maxNodesPerEntry?: number;
  /** Kubeconfig files the collection reads (flag, KUBECONFIG list or ~/.kube/config). */
  kubeconfigs: readonly string[];
  osRoot?: string;
  nodeName: string;
}

/** The snapshot cache folder, or undefined when there is no HOME nor XDG_CACHE_HOME. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = userCacheDir(env);
  return base ? path.join(base, 'aicr', 'snapshots') : undefined;
}

async function firstLine(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n')[0]!.trim().slice(0, 200) || undefined;
  } catch {
    return undefined;
  }
}

/** This host: hostname plus boot id (a reboot changes it), else the machine id. */
async function hostIdentity(): Promise<string> {
  const boot = await firstLine('/proc/sys/kernel/random/boot_id');
  const machine = boot ? undefined : await firstLine('/etc/machine-id');
  return `${os.hostname()}|${boot ?? machine ?? ''}`;
}

/** The cache key: sha256 (hex) of the inputs that decide the snapshot's content. */
export async function cacheKey(input: CacheKeyInput): Promise<string> {
  const kubeconfigs = await Promise.all(
    input.kubeconfigs.map(async (f) => {
      try {
        const st = await stat(f);
        return `${path.resolve(f)}@${st.mtimeMs}:${st.size}`;
      } catch {
        return `${path.resolve(f)}@absent`;
      }
    }),
  );
  const material = {
    cache: 1,
    version: input.version,
    collectors: [...input.collectors].sort(),
    maxNodesPerEntry: input.maxNodesPerEntry ?? null,
    kubeconfigs,
    osRoot: input.osRoot ?? '/',
    nodeName: input.nodeName,
    host: await hostIdentity(),
    uid: process.getuid?.() ?? null,
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

const uid = () => process.getuid?.();

/** True when `dir` is a real directory owned by this user and writable by nobody else. */
async function safeDir(dir: string): Promise<boolean> {
  try {
    const st = await lstat(dir);
    const me = uid();
    return st.isDirectory() && (me === undefined || st.uid === me) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export interface CachedSnapshot {
  snapshot: Snapshot;
  /** When the cached snapshot was collected (ms since the epoch). */
  created: number;
}

/**
 * The cached snapshot for `key` if there is a trustworthy one younger than `ttlMs`; undefined (with a
 * debug line saying why) otherwise.
 */
export async function readCache(
  key: string,
  ttlMs: number,
  opts: { dir?: string; now?: number } = {},
): Promise<CachedSnapshot | undefined> {
  const dir = opts.dir ?? cacheDir();
  const skip = (why: string): undefined => {
    log().debug('snapshot cache not used', { reason: why });
    return undefined;
  };
  if (!dir) return skip('no cache folder (HOME and XDG_CACHE_HOME unset)');
  if (!(await safeDir(dir))) return skip(`${dir} is missing, not a directory, or not private to this user`);
  const file = path.join(dir, `${key}.snapshot`);
  let fh;
  try {
    fh = await open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return skip(code === 'ENOENT' ? 'no entry' : code === 'ELOOP' ? 'the entry is a symlink' : `${code}`);
  }
  let text: string;
  try {
    const st = await fh.stat();
    const me = uid();
    if (!st.isFile()) return skip('the entry is not a regular file');
    if (me !== undefined && st.uid !== me) return skip('the entry belongs to another user');
    if ((st.mode & 0o077) !== 0) return skip('the entry is readable or writable by others');
    if (st.size > CACHE_MAX_BYTES) return skip(`the entry is larger than ${CACHE_MAX_BYTES} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    text = buf.subarray(0, off).toString('utf8');
  } finally {
    await fh.close();
  }
  const nl = text.indexOf('\n');
  if (nl < 0 || nl > HEADER_MAX) return skip('the entry has no header');
  let header: { key?: unknown; created?: unknown };
  try {
    header = JSON.parse(text.slice(0, nl)) as typeof header;
  } catch {
    return skip('the entry header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.key !== key) {
    return skip('the entry header names another key');
  }
  const created = header.created;
  const now = opts.now ?? Date.now();
  if (typeof created !== 'number' || !Number.isFinite(created) || created > now + 1000) {
    return skip('the entry has no valid creation time');
  }
  if (now - created > ttlMs) return skip('the entry is older than --cache-ttl');
  try {
    const doc = parseDocument(text.slice(nl + 1), 'cached snapshot', 'json');
    // Validated as any snapshot input is; the document itself is returned so that writing it gives
    // the bytes the collection wrote (the model's normal form orders keys its own way).
    await toSnapshot(doc, 'cached snapshot');
    return { snapshot: doc as Snapshot, created };
  } catch (err) {
    return skip(`the entry is not a valid snapshot (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Stores `snap` under `key` atomically (0600), keeping at most CACHE_MAX_ENTRIES; never throws. */
export async function writeCache(
  key: string,
  snap: Snapshot,
  opts: { dir?: string; now?: number } = {},
): Promise<void> {
  const dir = opts.dir ?? cacheDir();
  if (!dir) return;
  const tmp = path.join(dir, `.${key}.${process.pid}.${Date.now()}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await safeDir(dir))) {
      log().debug('snapshot cache not written', { reason: `${dir} is not private to this user` });
      return;
    }
    const header = JSON.stringify({ key, created: opts.now ?? Date.now(), version: 1 });
    const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(`${header}\n${serialize(snap, 'json')}`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path.join(dir, `${key}.snapshot`));
    await prune(dir);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    log().debug('snapshot cache not written', { reason: (err as Error).message });
  }
}

/** Removes the oldest entries beyond CACHE_MAX_ENTRIES and temp files older than an hour. */
async function prune(dir: string): Promise<void> {
  const names = await readdir(dir);
  const entries: { file: string; mtime: number }[] = [];
  const now = Date.now();
  for (const name of names) {
    const file = path.join(dir, name);
    const st = await lstat(file).catch(() => undefined);
    if (!st) continue;
    if (ENTRY.test(name) && st.isFile()) entries.push({ file, mtime: st.mtimeMs });
    else if (name.endsWith('.tmp') && name.startsWith('.') && now - st.mtimeMs > 3600_000) {
      await rm(file, { force: true }).catch(() => {});
    }
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(CACHE_MAX_ENTRIES)) await rm(e.file, { force: true }).catch(() => {});
}

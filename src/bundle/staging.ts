/**
 * Bundle output: a whole tree, owned by aicr, or nothing (docs/bundle.md, "Output directory").
 *
 * Rules:
 *  - The output directory belongs to aicr when it holds the marker file `.aicr-bundle` (written into
 *    every bundle, format version inside). An absent or empty directory may be used too. Any other
 *    directory is refused (exit 2) unless `force`; a path that is not a directory is always refused.
 *  - The new tree is built in a hidden staging directory beside the output (same parent, so renames
 *    stay on one file system): `<parent>/.<name>.aicr-staging-<random>`. Commit is a synchronous
 *    sequence — rename the old tree aside (`.<name>.aicr-old-<random>`), rename the new one in,
 *    remove the old one — so a reader sees the old tree or the new tree, each whole; between the two
 *    renames (microseconds) the path is briefly absent, never mixed.
 *  - A lock file `<parent>/.<name>.aicr-lock` (created with O_EXCL, holding the PID and the process
 *    start time) serialises runs on one output; a second run fails with "in use by PID n" (exit 6).
 *    A lock whose process is gone is stale and taken over.
 *  - SIGINT/SIGTERM/SIGHUP while the output is open: staging removed, lock released, exit 130/143/129.
 *    A crash or SIGKILL leaves hidden entries behind; the next run on the same output, once it holds
 *    the lock, restores an old tree that was moved aside but not replaced and removes every leftover.
 *
 * All file system work is synchronous: no operation is ever in flight in the thread pool when a
 * signal handler runs, so the handler's clean-up cannot race with a pending write.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  close as closeCallback,
  closeSync,
  fsync as fsyncCallback,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FILE_MODE, type GeneratedFile } from './checksums.js';
import { fsError, lstatOrUndef, readOrUndef, rmdirQuiet, syncDir } from './fs-sync.js';
import { acquireLock } from './output-lock.js';
import {
  AicrError,
  EXIT_UNCLASSIFIED,
  invalid,
  SIGNAL_EXIT_CODES,
  type ExitSignal,
} from '../errors/index.js';
import { writeStderr } from '../util/stdio.js';

/** Marker file of an aicr bundle, at its root. */
export const MARKER = '.aicr-bundle';
/** Format version written into the marker; a directory with a higher version is not replaced. */
export const MARKER_FORMAT = 1;

export function markerFile(): GeneratedFile {
  return {
    path: MARKER,
    content:
      '# Written by aicr: this directory is an aicr bundle; `aicr bundle` replaces it as a whole.\n' +
      `aicr-bundle-format: ${MARKER_FORMAT}\n`,
    mode: FILE_MODE,
  };
}

/** Names of the hidden entries aicr makes beside an output directory `name`. */
export function sideNames(name: string): { prefix: string; lock: string } {
  return { prefix: `.${name}.aicr-`, lock: `.${name}.aicr-lock` };
}

/** What an existing output directory holds. */
export type OutputState = 'absent' | 'empty' | 'bundle' | 'newer' | 'foreign';

export function classifyOutput(dir: string): { state: OutputState; format?: number } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw fsError(`cannot read output directory ${dir}`, err);
  }
  if (names.length === 0) return { state: 'empty' };
  const st = lstatOrUndef(path.join(dir, MARKER));
  if (!st?.isFile() || st.size > 4096) return { state: 'foreign' };
  const m = /^aicr-bundle-format: (\d+)$/m.exec(readFileSync(path.join(dir, MARKER), 'utf8'));
  if (!m) return { state: 'foreign' };
  const format = Number(m[1]);
  return format > MARKER_FORMAT ? { state: 'newer', format } : { state: 'bundle', format };
}

// ---------------------------------------------------------------------------------------------
// Signals and exit: clean-up of whatever output is open

const open = new Set<Staging>();
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  const outs = [...open].map((s) => s.outputDir);
  for (const s of open) s.cleanupSync();
  open.clear();
  writeStderr(
    outs.length
      ? `[cli] interrupted by ${signal}: bundle not written; ${outs.join(', ')} left as it was\n`
      : `[cli] interrupted by ${signal}\n`,
  );
  process.exit(SIGNAL_EXIT_CODES[signal as ExitSignal] ?? EXIT_UNCLASSIFIED);
}

function onExit(): void {
  for (const s of open) s.cleanupSync();
  open.clear();
}

/**
 * Registers `s` for clean-up on signals and exit. The handlers stay for the rest of the process: a
 * signal that arrives after the commit still ends it with 130/143 (the new tree is complete then).
 */
function track(s: Staging): void {
  open.add(s);
  installInterruptHandlers();
}

/** SIGINT/SIGTERM/SIGHUP end the process with 130/143/129 after cleaning up any open output. */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of Object.keys(SIGNAL_EXIT_CODES)) process.on(sig, onSignal);
  process.on('exit', onExit);
}

function untrack(s: Staging): void {
  open.delete(s);
}

// ---------------------------------------------------------------------------------------------

export interface OpenOptions {
  /** Replace an existing directory that is not an aicr bundle (never a non-directory). */
  force?: boolean;
  /** Local inputs of this run (recipe file, --data directory): --force never deletes them. */
  inputs?: string[];
}

/** The absolute output path with symlinks of existing components resolved. */
function resolveOutput(outputDir: string): string {
  const abs = path.resolve(outputDir);
  let existing = abs;
  const rest: string[] = [];
  while (lstatOrUndef(existing) === undefined && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new AicrError(
        'UNAUTHORIZED',
        `cannot resolve output path ${outputDir}: ${(err as Error).message}`,
      );
    throw invalid(
      `invalid --output ${outputDir}: ${code === 'ENOENT' ? 'it is a symlink to nothing' : (err as Error).message}`,
    );
  }
  return path.join(real, ...rest);
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function isSameOrAncestor(dir: string, of: string): boolean {
  const rel = path.relative(dir, of);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Files held open for their background fsync at once (well below any descriptor limit). */
const MAX_SYNCING = 64;

export class Staging {
  private lock?: { path: string; text: string };
  private createdParents: string[] = [];
  private old?: string;
  private done = false;
  private readonly made = new Set<string>();
  /** Files whose fsync was started right after writing (the thread pool works while we render). */
  private readonly syncing = new Set<string>();
  /** Those fsyncs' outcomes; at most MAX_SYNCING files are held open at once. */
  private readonly synced: Promise<NodeJS.ErrnoException | null>[] = [];
  private open = 0;

  private constructor(
    readonly outputDir: string,
    readonly dir: string,
    readonly parent: string,
  ) {}

  /**
   * Checks the output path, takes its lock, recovers leftovers of interrupted runs and creates the
   * staging directory. Throws exit-2 errors for paths aicr may not replace.
   */
  static open(outputDir: string, opts: OpenOptions = {}): Staging {
    const out = resolveOutput(outputDir);
    const parent = path.dirname(out);
    const name = path.basename(out);
    if (parent === out || name === '' || name === '.' || name === '..')
      throw invalid(`invalid --output ${outputDir}: the file system root cannot be a bundle directory`);
    const st = lstatOrUndef(out);
    if (st && !st.isDirectory())
      throw invalid(
        `invalid --output ${outputDir}: it exists and is not a directory; a bundle is written to a directory of its own`,
      );

    // Parents: create what is missing (removed again if nothing is written).
    const created: string[] = [];
    for (let d = parent; lstatOrUndef(d) === undefined; d = path.dirname(d)) created.unshift(d);
    for (const d of created) {
      try {
        mkdirSync(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          for (const c of created.slice(0, created.indexOf(d)).reverse()) rmdirQuiet(c);
          throw fsError(`cannot create the parent directory ${d} of ${outputDir}`, err);
        }
      }
    }

    const { prefix, lock } = sideNames(name);
    const lockPath = path.join(parent, lock);
    const s = new Staging(
      out,
      path.join(parent, `${prefix}staging-${randomBytes(6).toString('hex')}`),
      parent,
    );
    s.createdParents = created;
    track(s);
    try {
      s.lock = { path: lockPath, text: acquireLock(lockPath, out) };
      s.recover(prefix);
      s.checkOwnership(outputDir, opts);
      try {
        mkdirSync(s.dir);
      } catch (err) {
        throw fsError(`cannot create the staging directory ${s.dir}`, err);
      }
    } catch (err) {
      s.abort();
      throw err;
    }
    return s;
  }

  /**
   * Under the lock: restore a tree a killed run moved aside but did not replace (the most recent
   * one; an aicr bundle or a directory being replaced with --force alike), remove every leftover.
   */
  private recover(prefix: string): void {
    let names: string[];
    try {
      names = readdirSync(this.parent);
    } catch (err) {
      throw fsError(`cannot read ${this.parent}`, err);
    }
    const leftovers = names.filter(
      (n) => n.startsWith(prefix) && /^(staging|old)-[0-9a-f]+$/.test(n.slice(prefix.length)),
    );
    if (lstatOrUndef(this.outputDir) === undefined) {
      const olds = leftovers
        .filter((n) => n.slice(prefix.length).startsWith('old-'))
        .map((n) => path.join(this.parent, n))
        .filter((p) => lstatOrUndef(p)?.isDirectory())
        .sort((a, b) => (lstatOrUndef(b)?.mtimeMs ?? 0) - (lstatOrUndef(a)?.mtimeMs ?? 0));
      if (olds.length) renameSync(olds[0]!, this.outputDir);
    }
    for (const n of leftovers) rmSync(path.join(this.parent, n), { recursive: true, force: true });
  }

  private checkOwnership(outputDir: string, opts: OpenOptions): void {
    const { state, format } = classifyOutput(this.outputDir);
    if (state === 'absent') return;
    const st = statSync(this.outputDir);
    const parentSt = statSync(this.parent);
    if (st.dev !== parentSt.dev)
      throw invalid(
        `invalid --output ${outputDir}: it is a mount point; aicr replaces the output directory as a whole, so use a directory inside it (e.g. ${path.join(outputDir, 'bundle')})`,
      );
    if (state === 'empty' || state === 'bundle') return;
    if (!opts.force) {
      throw invalid(
        state === 'newer'
          ? `invalid --output ${outputDir}: it holds a bundle of format ${format} (written by a newer aicr; this one writes format ${MARKER_FORMAT}); use another directory or --force to replace it`
          : `invalid --output ${outputDir}: the directory is not empty and is not an aicr bundle (no ${MARKER} marker); aicr never overwrites files it did not write: choose a new directory, or pass --force to replace the whole directory`,
      );
    }
    const cwd = process.cwd();
    const home = os.homedir();
    if (isSameOrAncestor(this.outputDir, cwd) || (home && path.resolve(home) === this.outputDir))
      throw invalid(
        `invalid --output ${outputDir}: --force does not replace the current directory, one of its parents or the home directory; choose a new directory`,
      );
    for (const input of opts.inputs ?? []) {
      if (isSameOrAncestor(this.outputDir, realOrResolved(input)))
        throw invalid(
          `invalid --output ${outputDir}: --force would delete ${input}, an input of this command; choose a new directory`,
        );
    }
  }

  /**
   * Writes one file below the staging directory (synchronously), and starts its fsync in the thread
   * pool, which runs while the next files are rendered; `flush` waits for it.
   */
  write(file: GeneratedFile): void {
    if (this.done) throw new AicrError('INTERNAL', `bundle output ${this.outputDir} is already closed`);
    const dest = path.join(this.dir, ...file.path.split('/'));
    try {
      const parent = path.dirname(dest);
      if (!this.made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        this.made.add(parent);
      }
      const fd = openSync(dest, 'wx', file.mode);
      let handedOff = false;
      try {
        const buf = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
        for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
        if (this.open < MAX_SYNCING) {
          // fsync in the background now, close when done; flush() waits for it.
          this.open++;
          this.syncing.add(dest);
          handedOff = true;
          this.synced.push(
            new Promise((resolve) =>
              fsyncCallback(fd, (err) =>
                closeCallback(fd, () => {
                  this.open--;
                  resolve(err);
                }),
              ),
            ),
          );
        }
      } finally {
        if (!handedOff) closeSync(fd);
      }
    } catch (err) {
      throw fsError(`cannot write ${file.path} to the staging directory`, err);
    }
  }

  /**
   * Makes the staged files and folders durable: waits for the fsyncs `write` started, syncs any file
   * written otherwise (or beyond MAX_SYNCING), then the folders, in parallel in the thread pool. Only
   * syncs and reads are in flight: a signal handler removing the staging directory cannot race
   * with them (an unlinked file's fsync still completes).
   */
  async flush(files: GeneratedFile[]): Promise<void> {
    const syncOne = async (p: string) => {
      const fh = await fsp.open(p, 'r');
      try {
        await fh.sync();
      } catch {
        /* some file systems refuse fsync on directories */
      } finally {
        await fh.close();
      }
    };
    const dirs = new Set<string>([this.dir, ...this.made]);
    try {
      const started = await Promise.all(this.synced);
      const failed = started.find((e) => e !== null);
      if (failed) throw failed;
      const rest = files
        .map((f) => path.join(this.dir, ...f.path.split('/')))
        .filter((p) => !this.syncing.has(p));
      await Promise.all(rest.map(syncOne));
      await Promise.all([...dirs].map(syncOne));
    } catch (err) {
      throw fsError(`cannot sync the staged bundle`, err);
    }
  }

  /** Replaces the output directory with the staged tree, as a whole; releases the lock. */
  commit(): void {
    if (this.done) throw new AicrError('INTERNAL', `bundle output ${this.outputDir} is already closed`);
    const old = this.dir.replace(/staging-([0-9a-f]+)$/, 'old-$1');
    try {
      const cur = lstatOrUndef(this.outputDir);
      if (cur !== undefined) {
        chmodSync(this.dir, cur.mode & 0o7777); // the new tree keeps the directory's permission bits
        renameSync(this.outputDir, old);
        this.old = old;
        try {
          renameSync(this.dir, this.outputDir);
        } catch (err) {
          renameSync(old, this.outputDir);
          this.old = undefined;
          throw err;
        }
      } else {
        renameSync(this.dir, this.outputDir);
      }
    } catch (err) {
      this.abort();
      throw fsError(`cannot move the bundle into ${this.outputDir}`, err);
    }
    this.createdParents = [];
    syncDir(this.parent);
    this.abort(); // removes the old tree, releases the lock
  }

  /** Removes staging (and an old tree), releases the lock; idempotent. */
  abort(): void {
    this.cleanupSync();
    untrack(this);
  }

  /** Synchronous clean-up, safe in signal and exit handlers. */
  cleanupSync(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.dir, { recursive: true, force: true });
    if (this.old) {
      if (lstatOrUndef(this.outputDir) === undefined) renameSync(this.old, this.outputDir);
      else rmSync(this.old, { recursive: true, force: true });
      this.old = undefined;
    }
    if (this.lock && readOrUndef(this.lock.path) === this.lock.text) rmSync(this.lock.path, { force: true });
    this.lock = undefined;
    for (const d of [...this.createdParents].reverse()) rmdirQuiet(d);
  }
}

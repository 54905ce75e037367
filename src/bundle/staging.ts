/**
 * Atomic bundle output (spec decision 6). Files are written to a staging directory first and moved
 * into the output directory only when every file was generated; a failed run leaves the output
 * directory as it was.
 *
 *  - Output directory absent: the staging directory is hidden in the nearest existing ancestor
 *    (`<ancestor>/.<name>.aicr-staging-<random>`) and renamed to the output directory in one step.
 *  - Output directory present: the staging directory is hidden inside it; each generated file then
 *    replaces its target by rename. Replaced files are kept aside until every rename succeeded, so
 *    a failure part-way puts the previous files back. Files of the directory that the bundle does
 *    not generate are left alone (as upstream: the output directory is never cleaned).
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import type { GeneratedFile } from './checksums.js';

function fsError(what: string, err: unknown): AicrError {
  const code = (err as NodeJS.ErrnoException).code;
  return new AicrError(
    code === 'EACCES' || code === 'EPERM' ? 'UNAUTHORIZED' : 'INTERNAL',
    `${what}: ${(err as Error).message}`,
  );
}

async function exists(p: string): Promise<'file' | 'dir' | 'other' | undefined> {
  try {
    const st = await lstat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

export class Staging {
  private constructor(
    readonly outputDir: string,
    readonly dir: string,
    private readonly outputExisted: boolean,
  ) {}

  /** Creates the staging directory for `outputDir` (made absolute). */
  static async open(outputDir: string): Promise<Staging> {
    const out = path.resolve(outputDir);
    const kind = await exists(out);
    if (kind !== undefined && kind !== 'dir') {
      const real = await stat(out).catch(() => undefined);
      if (!real?.isDirectory())
        throw invalid(
          `output path ${outputDir} exists and is not a directory; bundles are written to a directory`,
        );
    }
    const suffix = randomBytes(6).toString('hex');
    const existed = kind !== undefined;
    // Without an output directory, stage in its nearest existing ancestor: a failed run then
    // creates nothing, and the final rename stays on one file system.
    let anchor = path.dirname(out);
    while (!existed && (await exists(anchor)) === undefined && path.dirname(anchor) !== anchor)
      anchor = path.dirname(anchor);
    const dir = existed
      ? path.join(out, `.aicr-staging-${suffix}`)
      : path.join(anchor, `.${path.basename(out)}.aicr-staging-${suffix}`);
    try {
      await mkdir(dir, { recursive: false });
    } catch (err) {
      throw fsError(`cannot create staging directory for ${outputDir}`, err);
    }
    return new Staging(out, dir, existed);
  }

  private readonly made = new Map<string, Promise<unknown>>();

  /** Writes one file below the staging directory. */
  async write(file: GeneratedFile): Promise<void> {
    const dest = path.join(this.dir, ...file.path.split('/'));
    try {
      const parent = path.dirname(dest);
      let made = this.made.get(parent);
      if (!made) {
        made = mkdir(parent, { recursive: true });
        this.made.set(parent, made);
      }
      await made;
      await writeFile(dest, file.content, { mode: file.mode });
    } catch (err) {
      throw fsError(`cannot write ${file.path} to the staging directory`, err);
    }
  }

  /** Removes the staging directory (after a failure, or after commit). */
  async abort(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Moves the staged files into the output directory. */
  async commit(files: GeneratedFile[]): Promise<void> {
    if (!this.outputExisted && (await exists(this.outputDir)) === undefined) {
      try {
        await mkdir(path.dirname(this.outputDir), { recursive: true });
        await rename(this.dir, this.outputDir);
        return;
      } catch (err) {
        await this.abort();
        throw fsError(`cannot move the bundle into ${this.outputDir}`, err);
      }
    }
    try {
      await this.merge(files);
    } finally {
      await this.abort();
    }
  }

  private async merge(files: GeneratedFile[]): Promise<void> {
    // Check every target first, so that nothing moves when one of them is in the way.
    for (const f of files) {
      const segs = f.path.split('/');
      for (let i = 1; i < segs.length; i++) {
        const k = await exists(path.join(this.outputDir, ...segs.slice(0, i)));
        if (k !== undefined && k !== 'dir')
          throw invalid(
            `cannot write ${f.path} in ${this.outputDir}: ${segs.slice(0, i).join('/')} exists and is not a directory`,
          );
      }
      const k = await exists(path.join(this.outputDir, ...segs));
      if (k === 'dir')
        throw invalid(`cannot write ${f.path} in ${this.outputDir}: a directory of that name exists`);
    }
    const backup = path.join(this.dir, '.previous');
    const done: { dest: string; saved?: string }[] = [];
    const createdDirs: string[] = [];
    try {
      for (const f of files) {
        const segs = f.path.split('/');
        const dest = path.join(this.outputDir, ...segs);
        for (let i = 1; i < segs.length; i++) {
          const d = path.join(this.outputDir, ...segs.slice(0, i));
          if ((await exists(d)) === undefined) {
            await mkdir(d);
            createdDirs.push(d);
          }
        }
        let saved: string | undefined;
        if ((await exists(dest)) !== undefined) {
          saved = path.join(backup, ...segs);
          await mkdir(path.dirname(saved), { recursive: true });
          await rename(dest, saved);
        }
        done.push({ dest, saved });
        await rename(path.join(this.dir, ...segs), dest);
      }
    } catch (err) {
      for (const d of done.reverse()) {
        await rm(d.dest, { force: true }).catch(() => undefined);
        if (d.saved) await rename(d.saved, d.dest).catch(() => undefined);
      }
      for (const d of createdDirs.reverse()) await rmdir(d).catch(() => undefined);
      throw fsError(`cannot move the bundle into ${this.outputDir} (previous files restored)`, err);
    }
  }
}

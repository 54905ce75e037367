/**
 * OS collector (type `OS`): subtypes `grub` (/proc/cmdline), `sysctl` (/proc/sys), `kmod` (/proc/modules)
 * and `release` (/etc/os-release, else /usr/lib/os-release), read in that order.
 *
 * A missing file drops its subtype with a debug log (e.g. no /proc/modules on a kernel built without
 * modules); any other read failure drops it with a warning. The snapshot never fails because of it.
 */
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { log } from '../logging/logger.js';
import type { Measurement, Reading, Subtype } from '../model/snapshot.js';
import { DEFAULT_TIMEOUTS_MS, throwIfAborted, type Collector } from './types.js';
import { contentLines, FileReadError, readTextFile } from './util.js';

export interface OsCollectorOptions {
  /**
   * Filesystem prefix the well-known paths are read under (default: none, i.e. this host). Keys keep the
   * logical paths (`/proc/sys/kernel/pid_max`) whatever the prefix.
   */
  root?: string;
  timeoutMs?: number;
}

const SYSCTL_DIR = '/proc/sys';
const SYSCTL_SKIP_DIR = '/proc/sys/net';
const SYSCTL_DROP_PREFIX = '/proc/sys/dev/cdrom/';
/** Entries of /proc/sys visited between two yields to the event loop. */
const YIELD_EVERY = 64;
/** Most entries the sysctl walk visits (a real /proc/sys without net/ has about 1,000). */
export const MAX_SYSCTL_ENTRIES = 100_000;

/** Lets timers (e.g. `--timeout`) and signal handlers run between synchronous steps. */
const yieldToTimers = () => new Promise<void>((r) => setImmediate(r));

export class OsCollector implements Collector {
  readonly type = 'OS' as const;
  readonly timeoutMs: number;
  private readonly root: string;

  constructor(opts: OsCollectorOptions = {}) {
    this.root = opts.root ?? '';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUTS_MS.OS;
  }

  private p(logical: string): string {
    return this.root ? path.join(this.root, logical) : logical;
  }

  async collect(signal: AbortSignal): Promise<Measurement> {
    throwIfAborted(signal);
    const subtypes: Subtype[] = [];
    const steps: [string, () => Record<string, Reading> | Promise<Record<string, Reading>>][] = [
      ['grub', () => this.grub()],
      ['sysctl', () => this.sysctl(signal)],
      ['kmod', () => this.kmod()],
      ['release', () => this.release()],
    ];
    for (const [name, fn] of steps) {
      throwIfAborted(signal);
      try {
        subtypes.push({ subtype: name, data: await fn() });
        await yieldToTimers();
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof FileReadError && err.reason === 'missing') {
          log().debug(`OS ${name}: ${err.message} - subtype skipped`);
        } else {
          log().warn(`OS ${name}: ${(err as Error).message} - subtype skipped`);
        }
      }
    }
    return { type: 'OS', subtypes };
  }

  /** Kernel command line: `key=value` tokens, bare flags as "", `root` removed. */
  grub(): Record<string, Reading> {
    const text = contentLines(readTextFile(this.p('/proc/cmdline'))).join(' ');
    const data: Record<string, Reading> = {};
    for (const tok of text.split(' ')) {
      if (tok === '') continue;
      const eq = tok.indexOf('=');
      const key = eq < 0 ? tok : tok.slice(0, eq);
      if (key === '' || key === 'root') continue;
      data[key] = eq < 0 ? '' : tok.slice(eq + 1);
    }
    return data;
  }

  /**
   * Every readable regular file under /proc/sys except the network tree. The walk yields to the event
   * loop every few files so that `--timeout` and signals can stop it, and it reads at most
   * MAX_SYSCTL_ENTRIES files.
   */
  async sysctl(signal: AbortSignal): Promise<Record<string, Reading>> {
    const data: Record<string, Reading> = {};
    const top = this.p(SYSCTL_DIR);
    let seen = 0;
    // The top directory must be listable; failures further down skip that directory only.
    const walk = async (logicalDir: string, first: boolean): Promise<void> => {
      throwIfAborted(signal);
      let entries: Dirent[];
      try {
        // File types come with the listing (no lstat per entry); by name, as a plain sort orders them.
        entries = readdirSync(this.p(logicalDir), { withFileTypes: true }).sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        );
      } catch (err) {
        if (first) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new FileReadError(
            top,
            code === 'ENOENT' ? 'missing' : 'unreadable',
            `cannot list ${top}: ${(err as Error).message}`,
            err,
          );
        }
        log().debug(`OS sysctl: cannot list ${logicalDir}: ${(err as Error).message}`);
        return;
      }
      for (const entry of entries) {
        const logical = `${logicalDir}/${entry.name}`;
        if (logical === SYSCTL_SKIP_DIR) continue;
        if (++seen % YIELD_EVERY === 0) {
          await yieldToTimers();
          throwIfAborted(signal);
        }
        if (seen > MAX_SYSCTL_ENTRIES) {
          throw new FileReadError(top, 'too-large', `${top} has more than ${MAX_SYSCTL_ENTRIES} entries`);
        }
        let st: Dirent | Stats = entry;
        if (!entry.isSymbolicLink() && !entry.isDirectory() && !entry.isFile()) {
          // A file system that does not report types in listings: ask it.
          try {
            st = lstatSync(this.p(logical));
          } catch {
            continue;
          }
        }
        if (st.isSymbolicLink()) continue;
        if (st.isDirectory()) {
          await walk(logical, false);
          continue;
        }
        if (!st.isFile()) continue;
        if (logical.startsWith(SYSCTL_DROP_PREFIX)) continue;
        let text: string;
        try {
          text = readTextFile(this.p(logical));
        } catch {
          continue; // write-only, permission-protected, oversized or binary entries are skipped
        }
        addSysctl(data, logical, contentLines(text));
      }
    };
    await walk(SYSCTL_DIR, true);
    return data;
  }

  /** Loaded kernel modules: `<module>: true`. */
  kmod(): Record<string, Reading> {
    const data: Record<string, Reading> = {};
    for (const line of contentLines(readTextFile(this.p('/proc/modules')))) {
      const name = line.split(/\s+/)[0];
      if (name) data[name] = true;
    }
    return data;
  }

  /** os-release `KEY=value` pairs, quotes removed, empty values skipped. */
  release(): Record<string, Reading> {
    let text: string;
    try {
      text = readTextFile(this.p('/etc/os-release'));
    } catch (err) {
      if (!(err instanceof FileReadError && err.reason === 'missing')) throw err;
      text = readTextFile(this.p('/usr/lib/os-release'));
    }
    return parseOsRelease(text);
  }
}

/** One sysctl file's lines into `data` (rules in docs/snapshot.md). */
export function addSysctl(data: Record<string, Reading>, key: string, lines: string[]): void {
  if (lines.length <= 1) {
    data[key] = lines[0] ?? '';
    return;
  }
  const fields = lines.map((l) => l.split(/\s+/));
  if (fields.every((f) => f.length >= 2)) {
    for (const f of fields) data[`${key}/${f[0]}`] = f.slice(1).join(' ');
    return;
  }
  data[key] = lines.join('\n');
}

export function parseOsRelease(text: string): Record<string, Reading> {
  const data: Record<string, Reading> = {};
  for (const line of contentLines(text)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/^["']+|["']+$/g, '');
    }
    if (key === '' || value === '') continue;
    data[key] = value;
  }
  return data;
}

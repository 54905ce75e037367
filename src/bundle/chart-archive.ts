/**
 * A Helm chart archive (`<chart>-<version>.tgz`) read without extracting it: a bounded gzip + tar
 * reader that finds `<chart>/Chart.yaml` and returns its name and version. Used when vendoring (the
 * pulled archive must hold the requested chart) and by `aicr verify` (provenance against the archive).
 *
 * Bounds: the compressed archive, the unpacked stream, the number of entries and Chart.yaml are capped;
 * entry names that are absolute or climb out (`..`) make the archive invalid (nothing is ever written to
 * disk, but an archive helm would refuse is not a chart we vouch for).
 */
import { gunzipSync } from 'node:zlib';
import { parseDocument, textOf } from '../io/document.js';

/** Largest chart archive accepted (compressed). */
export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
/** Largest unpacked tar stream read. */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;
/** Most tar entries read. */
export const MAX_ENTRIES = 100_000;
/** Largest Chart.yaml read. */
export const MAX_CHART_YAML_BYTES = 1024 * 1024;

export interface ChartMeta {
  name: string;
  version: string;
}

export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

function cstr(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number, what: string): number {
  if (buf[start]! & 0x80) throw new ArchiveError(`tar entry ${what}: base-256 sizes are not supported`);
  const text = cstr(buf, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArchiveError(`tar entry ${what}: invalid size field "${text}"`);
  return parseInt(text, 8);
}

/** `path=…` of a pax extended header. */
function paxPath(data: Buffer): string | undefined {
  let off = 0;
  let found: string | undefined;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.toString('utf8', off, sp));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, off + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'path') found = rec.slice(eq + 1);
    off += len;
  }
  return found;
}

/** A safe relative entry name: no absolute path, no `..`, no NUL; `./` prefixes dropped. */
function safeName(raw: string): string {
  const name = raw.replace(/^(\.\/)+/, '');
  if (name.startsWith('/') || name.includes('\0') || name.split('/').includes('..'))
    throw new ArchiveError(
      `unsafe entry name "${raw.slice(0, 200)}" (absolute or climbs out of the archive)`,
    );
  return name;
}

export interface TarEntry {
  name: string;
  type: string;
  data: Buffer;
}

/** The entries of a tar stream (regular files with data; other types with empty data). */
export function* tarEntries(tar: Buffer): Generator<TarEntry> {
  let off = 0;
  let longName: string | undefined;
  let paxName: string | undefined;
  let count = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return;
    if (++count > MAX_ENTRIES) throw new ArchiveError(`more than ${MAX_ENTRIES} entries`);
    const rawName = cstr(h, 0, 100);
    const size = octal(h, 124, 12, rawName);
    const type = String.fromCharCode(h[156]!) || '0';
    const magic = h.toString('latin1', 257, 262);
    const prefix = magic === 'ustar' ? cstr(h, 345, 155) : '';
    const dataStart = off + 512;
    if (dataStart + size > tar.length) throw new ArchiveError(`tar entry "${rawName}" is truncated`);
    const data = tar.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxName = paxPath(data);
      continue;
    }
    if (type === 'g') continue;
    const full = paxName ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    longName = paxName = undefined;
    const name = safeName(full);
    yield {
      name,
      type: type === '\0' ? '0' : type,
      data: type === '0' || type === '\0' ? data : Buffer.alloc(0),
    };
  }
  throw new ArchiveError('tar stream ends without its end-of-archive marker');
}

/** Name and version from the archive's `<dir>/Chart.yaml` (the top-level chart, not subcharts). */
export function readChartArchive(archive: Buffer, maxUnpacked = MAX_UNPACKED_BYTES): ChartMeta {
  if (archive.length > MAX_ARCHIVE_BYTES)
    throw new ArchiveError(`archive is larger than ${MAX_ARCHIVE_BYTES} bytes`);
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: maxUnpacked });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new ArchiveError(`unpacks to more than ${maxUnpacked} bytes`);
    throw new ArchiveError(`not a gzip archive: ${e.message}`);
  }
  const charts: { dir: string; data: Buffer }[] = [];
  for (const e of tarEntries(tar)) {
    const parts = e.name.split('/');
    if (parts.length === 2 && parts[1] === 'Chart.yaml' && e.type === '0')
      charts.push({ dir: parts[0]!, data: e.data });
  }
  if (charts.length === 0) throw new ArchiveError('no <chart>/Chart.yaml in the archive');
  if (charts.length > 1)
    throw new ArchiveError(`more than one top-level Chart.yaml (${charts.map((c) => c.dir).join(', ')})`);
  const c = charts[0]!;
  if (c.data.length > MAX_CHART_YAML_BYTES)
    throw new ArchiveError(`${c.dir}/Chart.yaml is larger than ${MAX_CHART_YAML_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseDocument(c.data.toString('utf8'), `${c.dir}/Chart.yaml`, 'yaml');
  } catch (err) {
    throw new ArchiveError(`${c.dir}/Chart.yaml: ${(err as Error).message}`);
  }
  const name = textOf(doc, 'name');
  const version = textOf(doc, 'version');
  if (!name) throw new ArchiveError(`${c.dir}/Chart.yaml has no name`);
  if (!version) throw new ArchiveError(`${c.dir}/Chart.yaml has no version`);
  return { name, version };
}

/**
 * The tree and checksums part of `aicr verify` (src/bundle/verify.ts): a bounded walk that never follows
 * symlinks, `checksums.txt` parsing (GNU format, `\\`-escaped names), and the check both ways (listed
 * files present and matching; no unlisted file). Also the report types shared by the checks.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, type Stats } from 'node:fs';
import path from 'node:path';
import { invalid } from '../errors/index.js';
import { escapeControl } from '../util/escape.js';

export const MAX_TREE_ENTRIES = 200_000;
export const MAX_TREE_DEPTH = 32;
export const MAX_CHECKSUMS_BYTES = 16 * 1024 * 1024;
export const MAX_DOC_BYTES = 16 * 1024 * 1024;

export type CheckName = 'checksums' | 'provenance' | 'recipe';
export type TrustLevel = 'unknown' | 'unverified' | 'attested' | 'verified';
export const TRUST_LEVELS: TrustLevel[] = ['unknown', 'unverified', 'attested', 'verified'];

export interface Problem {
  check: CheckName;
  path: string;
  message: string;
}

export interface VerifyReport {
  kind: 'BundleVerification';
  bundle: string;
  status: 'pass' | 'fail';
  trustLevel: TrustLevel;
  checksumsPassed: boolean;
  checksumFiles: number;
  /** No Sigstore attestation is written or checked by aicr (docs/compatibility.md). */
  bundleAttested: boolean;
  binaryAttested: boolean;
  identityPinned: boolean;
  hasExternalData: boolean;
  provenancePassed: boolean;
  vendoredCharts: number;
  recipePassed: boolean;
  /** false for Argo CD bundles (they hold no recipe.yaml). */
  recipeChecked: boolean;
  recipeComponents: number;
  problems: Problem[];
  /** The problems as one line each (`<path>: <message>`), as the reference's `errors`. */
  errors?: string[];
}

export interface TreeFile {
  rel: string;
  st: Stats;
}

export function walk(root: string, problems: Problem[]): Map<string, TreeFile> {
  const files = new Map<string, TreeFile>();
  let count = 0;
  const visit = (dir: string, rel: string, depth: number) => {
    if (depth > MAX_TREE_DEPTH) {
      problems.push({
        check: 'checksums',
        path: rel,
        message: `folders nested deeper than ${MAX_TREE_DEPTH}; not read`,
      });
      return;
    }
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      problems.push({
        check: 'checksums',
        path: rel || '.',
        message: `cannot read folder: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      });
      return;
    }
    for (const name of names) {
      if (++count > MAX_TREE_ENTRIES)
        throw invalid(`bundle ${root} has more than ${MAX_TREE_ENTRIES} entries; not a bundle aicr wrote`);
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isDirectory()) visit(abs, r, depth + 1);
      else files.set(r, { rel: r, st });
    }
  };
  visit(root, '', 0);
  return files;
}

function hashFile(abs: string): string {
  const h = createHash('sha256');
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** A bundle-relative path that stays inside the bundle: no absolute path, `.`/`..`/empty segment, NUL or backslash. */
export function safeRel(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\0') || p.includes('\\')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** `<sha256>  <path>` lines (GNU format, `\`-escaped names too). */
function parseChecksums(text: string, problems: Problem[]): Map<string, string> {
  const listed = new Map<string, string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const m = /^(\\?)([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      problems.push({
        check: 'checksums',
        path: 'checksums.txt',
        message: `line ${i + 1}: invalid checksum line "${escapeControl(line.slice(0, 120))}"`,
      });
      return;
    }
    const name = m[1]
      ? m[3]!.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
      : m[3]!;
    if (!safeRel(name)) {
      problems.push({
        check: 'checksums',
        path: 'checksums.txt',
        message: `line ${i + 1}: path "${escapeControl(name)}" leaves the bundle (absolute, "..", or empty segment)`,
      });
      return;
    }
    if (listed.has(name)) {
      problems.push({
        check: 'checksums',
        path: 'checksums.txt',
        message: `line ${i + 1}: ${escapeControl(name)} is listed twice`,
      });
      return;
    }
    listed.set(name, m[2]!);
  });
  return listed;
}

export function readSmall(abs: string, st: Stats, max: number): string | undefined {
  if (!st.isFile() || st.size > max) return undefined;
  return readFileSync(abs, 'utf8');
}

export function checkChecksums(root: string, tree: Map<string, TreeFile>, problems: Problem[]): number {
  const sums = tree.get('checksums.txt');
  if (!sums) {
    problems.push({ check: 'checksums', path: 'checksums.txt', message: 'checksums.txt not found' });
    return 0;
  }
  let text: string | undefined;
  try {
    text = readSmall(path.join(root, 'checksums.txt'), sums.st, MAX_CHECKSUMS_BYTES);
  } catch (err) {
    problems.push({
      check: 'checksums',
      path: 'checksums.txt',
      message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    });
    return 0;
  }
  if (text === undefined) {
    problems.push({
      check: 'checksums',
      path: 'checksums.txt',
      message: `not a regular file of at most ${MAX_CHECKSUMS_BYTES} bytes`,
    });
    return 0;
  }
  const listed = parseChecksums(text, problems);
  for (const [rel, want] of listed) {
    const f = tree.get(rel);
    const shown = escapeControl(rel);
    if (!f) {
      problems.push({ check: 'checksums', path: shown, message: 'listed in checksums.txt but missing' });
      continue;
    }
    if (!f.st.isFile()) {
      problems.push({
        check: 'checksums',
        path: shown,
        message: 'listed in checksums.txt but not a regular file (symlink or special file)',
      });
      continue;
    }
    let got: string;
    try {
      got = hashFile(path.join(root, ...rel.split('/')));
    } catch (err) {
      problems.push({
        check: 'checksums',
        path: shown,
        message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      });
      continue;
    }
    if (got !== want)
      problems.push({
        check: 'checksums',
        path: shown,
        message: `checksum mismatch (expected ${want}, got ${got})`,
      });
  }
  for (const rel of tree.keys()) {
    if (rel === 'checksums.txt' || listed.has(rel)) continue;
    const f = tree.get(rel)!;
    problems.push({
      check: 'checksums',
      path: escapeControl(rel),
      message: f.st.isFile()
        ? 'file not listed in checksums.txt'
        : 'not listed in checksums.txt and not a regular file (symlink or special file)',
    });
  }
  return listed.size;
}

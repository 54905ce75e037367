/** Helpers for end-to-end bundle tests: a slow `--data` catalog, async CLI children, tree checks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/paths.js';
import { readTree } from './helpers.js';

export { slowCatalog } from '../helpers/slow-catalog.mjs';

export interface Child {
  proc: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the built CLI as a child process. */
export function start(args: string[], opts: { cwd?: string } = {}): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AICR_DEBUG;
  delete env.AICR_LOG_JSON;
  const proc = spawn(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { proc, done };
}

export async function waitFor(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Hidden entries aicr makes beside output `out` (staging, old tree, lock). */
export function sideEntries(out: string): string[] {
  const prefix = `.${path.basename(out)}.aicr-`;
  try {
    return readdirSync(path.dirname(out)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

/**
 * A bundle tree is whole when checksums.txt lists exactly its other files and every sum matches.
 * Returns a reason when it is not.
 */
export function wholeTreeProblem(out: string): string | undefined {
  if (!existsSync(out)) return 'missing';
  const tree = readTree(out);
  const sums = tree.get('checksums.txt');
  if (!sums) return 'no checksums.txt';
  const listed = new Set<string>();
  for (const line of sums.toString().split('\n').filter(Boolean)) {
    const sum = line.slice(0, 64);
    const file = line.slice(66);
    listed.add(file);
    const content = tree.get(file);
    if (!content) return `missing ${file}`;
    if (createHash('sha256').update(content).digest('hex') !== sum) return `checksum mismatch: ${file}`;
  }
  for (const f of tree.keys()) if (f !== 'checksums.txt' && !listed.has(f)) return `unlisted file ${f}`;
  return undefined;
}

export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [f, c] of readTree(dir)) out.set(f, c.toString('base64'));
  return out;
}

export function readText(p: string): string {
  return readFileSync(p, 'utf8');
}

/** Helpers for end-to-end bundle tests: a slow `--data` catalog, async CLI children, tree checks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/paths.js';
import { readTree } from './helpers.js';

/**
 * A catalog of `n` manifest-only components whose template loops `iterations` times (well inside
 * the template limits), so that a bundle takes a while; plus the recipe using them. `variant`
 * changes every rendered manifest, so two bundles of the same catalog differ in every component.
 */
export function slowCatalog(dir: string, n: number, iterations: number): { data: string; recipe: string } {
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const names = Array.from({ length: n }, (_, i) => `slow-${String(i).padStart(2, '0')}`);
  writeFileSync(
    path.join(data, 'registry.yaml'),
    'apiVersion: aicr.nvidia.com/v1alpha1\nkind: ComponentRegistry\ncomponents:\n' +
      names
        .map((c) => `  - name: ${c}\n    displayName: ${c}\n    manifest:\n      defaultNamespace: slow\n`)
        .join(''),
  );
  for (const c of names) {
    mkdirSync(path.join(data, 'components', c, 'manifests'), { recursive: true });
    writeFileSync(path.join(data, 'components', c, 'values.yaml'), 'variant: a\n');
    writeFileSync(
      path.join(data, 'components', c, 'manifests', 'cm.yaml'),
      `{{ range until ${iterations} }}{{ end }}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${c}\ndata:\n  variant: {{ index .Values "${c}" "variant" | quote }}\n`,
    );
  }
  const recipe = path.join(dir, 'slow-recipe.yaml');
  writeFileSync(
    recipe,
    'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncomponentRefs:\n' +
      names
        .map(
          (c) =>
            `  - name: ${c}\n    type: Helm\n    valuesFile: components/${c}/values.yaml\n    manifestFiles: [components/${c}/manifests/cm.yaml]\n`,
        )
        .join(''),
  );
  return { data, recipe };
}

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

/** Runs the built CLI (dist/aicr.mjs) as a user would, capturing exit code, stdout and stderr. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliPath } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

let emptyConfigHome: string | undefined;
/** An empty XDG_CONFIG_HOME (one per test process), so no per-user aicr configuration is read. */
export function noConfigHome(): string {
  if (!emptyConfigHome) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-no-config-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    emptyConfigHome = dir;
  }
  return emptyConfigHome;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
    // Tests must not depend on the developer's logging or cluster settings.
    for (const k of ['AICR_DEBUG', 'AICR_LOG_JSON', 'KUBECONFIG', 'AICR_CONFIG'])
      if (!(opts.env && k in opts.env)) delete env[k];
    // Nor on the developer's own configuration file (~/.config/aicr/config.yaml).
    if (!(opts.env && 'XDG_CONFIG_HOME' in opts.env)) env.XDG_CONFIG_HOME = noConfigHome();
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** The criteria of the training recipe the end-to-end tests share. */
export const TRAINING_CRITERIA = ['--service', 'eks', '--accelerator', 'h100', '--intent', 'training'];

/**
 * Writes the training recipe the end-to-end tests share (`aicr recipe --service eks --accelerator h100
 * --intent training`, plus `extra` criteria flags) to `file`; throws with the CLI's stderr on failure.
 */
export async function writeTrainingRecipe(file: string, extra: string[] = []): Promise<void> {
  const r = await runCli(['recipe', ...TRAINING_CRITERIA, ...extra, '-o', file]);
  if (r.code !== 0) throw new Error(`aicr recipe exited ${r.code}: ${r.stderr}`);
}

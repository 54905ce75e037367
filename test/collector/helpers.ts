/** Test helpers: capture log lines, write fake executables into a temp dir. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger, log, setLogger, type Level } from '../../src/logging/logger.js';

/** Routes the process logger into an array until `restore()`. */
export function captureLogs(level: Level = 'debug'): {
  lines: string[];
  warnings: () => string[];
  restore: () => void;
} {
  const prev = log();
  const lines: string[] = [];
  setLogger(
    new Logger({
      mode: 'json',
      level,
      version: 'test',
      write: (l) => lines.push(l),
    }),
  );
  return {
    lines,
    warnings: () =>
      lines
        .map((l) => JSON.parse(l) as { level: string; msg: string })
        .filter((r) => r.level === 'WARN')
        .map((r) => r.msg),
    restore: () => setLogger(prev),
  };
}

export function tempDir(prefix = 'aicr-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable shell script `name` into `dir`; returns its path. */
export function fakeExecutable(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** An environment whose PATH starts with `dir` (and otherwise has only the system directories). */
export function envWithPath(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dir}:/usr/bin:/bin`, ...extra };
}

export function signal(ms = 30_000): AbortSignal {
  return AbortSignal.timeout(ms);
}

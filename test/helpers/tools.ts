/**
 * Real tools and servers the tests run against (helm, a CNCF distribution registry, opa, promtool, Jaeger, an
 * S3-compatible server), found on PATH or in the cache `scripts/tools/install.sh` builds them into
 * (`${AICR_TOOLS_CACHE:-$XDG_CACHE_HOME/aicr/tools}/<name>-<version>/bin`). A test that needs one and finds none
 * skips with the printed reason from `toolSkipReason`.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

export type ToolName = 'helm' | 'registry' | 'opa' | 'promtool' | 'jaeger' | 's3server';

const found = new Map<ToolName, string | null>();

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the tool's binary, or null when it is neither on PATH nor in the tool cache. */
export function findTool(name: ToolName): string | null {
  if (found.has(name)) return found.get(name) ?? null;
  let result: string | null = null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) {
      result = path.join(dir, name);
      break;
    }
  }
  if (result === null) {
    const out = spawnSync('bash', [path.join(repoRoot, 'scripts/tools/install.sh'), '--path', name], {
      encoding: 'utf8',
    });
    const bin = out.status === 0 ? out.stdout.trim() : '';
    if (bin && executable(path.join(bin, name))) result = path.join(bin, name);
  }
  found.set(name, result);
  return result;
}

/** `false` when the tool is there, else the reason to print when skipping (node:test's `skip` option). */
export function toolSkipReason(name: ToolName): string | false {
  return findTool(name)
    ? false
    : `${name} not found on PATH or in the tool cache (build it with: bash scripts/tools/install.sh ${name})`;
}

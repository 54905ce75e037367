/**
 * Policy enforcement with Open Policy Agent: `.rego` files (Rego v1 syntax, OPA 1.x) evaluated by the
 * real `opa` binary, run as a bounded child process (src/util/child.ts), against
 * `input = {recipe, snapshot, validation}`. Every package's `deny` and `violation` rules are collected:
 * sets of strings, or of objects with a `msg` (the rest of the object is kept as details).
 *
 * Why the binary and not `@open-policy-agent/opa-wasm`: Wasm needs `opa build -t wasm` first anyway (the
 * same binary), and the Wasm target lacks some built-ins; one `opa eval` per run gives full Rego,
 * OPA's own error messages with file and line, and no compile step to cache.
 *
 * One evaluation per run: the policies are copied (bounded) into a private temporary folder, the
 * input is written there, and `opa eval --format json --input … --data p0000.rego … data` prints the
 * whole virtual document; each package's rules are read from it by the package's path.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { readLocalFile } from '../io/reader.js';
import { toJson } from '../io/serialize.js';
import type { PolicyMessage, PolicyResult, PolicySection } from '../model/validation-result.js';
import { findExecutable, RunError, runCommand } from '../util/child.js';
import { escapeControl } from '../util/escape.js';

/** How to get an engine, in every "no opa" error. */
export const OPA_INSTALL_HINT =
  'install OPA 1.x: `go install github.com/open-policy-agent/opa@v1.22.3` (puts opa in $(go env GOPATH)/bin) ' +
  'or download the release binary for your platform from the open-policy-agent/opa GitHub releases, ' +
  'then put it on PATH or pass --opa PATH (env AICR_OPA)';

/** Bounds: policy files per run, bytes per file, opa's time and output. */
export const MAX_POLICY_FILES = 1000;
export const MAX_POLICY_BYTES = 1 << 20;
export const OPA_TIMEOUT_MS = 60_000;
export const OPA_MAX_OUTPUT = 16 << 20;

export interface PolicyRequest {
  /** `--policy` values: `.rego` files or folders (every `.rego` file in it, sorted; `*_test.rego` left out). */
  policies: readonly string[];
  /** `--opa` or AICR_OPA; undefined = `opa` on PATH. */
  opa?: string;
  input: { recipe: unknown; snapshot: unknown; validation: unknown };
  timeoutMs?: number;
}

interface PolicyFile {
  /** As the user named it (shown in results and errors). */
  shown: string;
  text: string;
  /** Its `package` path, e.g. `aicr.driver`; undefined when none was found (opa reports the error). */
  pkg?: string;
}

const PACKAGE = /^[ \t]*package[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/m;

/** The package a Rego file declares (comments ignored). */
export function regoPackage(text: string): string | undefined {
  const code = text.replace(/#.*$/gm, '');
  return PACKAGE.exec(code)?.[1];
}

const isUrlLike = (loc: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(loc);

async function expand(locations: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const loc of locations) {
    if (loc === '' || loc === '-' || isUrlLike(loc)) {
      throw invalid(
        `--policy ${JSON.stringify(escapeControl(loc))}: must be a local .rego file or a folder of them`,
      );
    }
    let st;
    try {
      st = await stat(loc);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AicrError('NOT_FOUND', `policy ${escapeControl(loc)} not found`);
      }
      throw invalid(`cannot read policy ${escapeControl(loc)}: ${(err as Error).message}`);
    }
    if (st.isDirectory()) {
      const names = (await readdir(loc))
        .filter((n) => n.endsWith('.rego') && !n.endsWith('_test.rego'))
        .sort();
      if (names.length === 0) throw invalid(`policy folder ${escapeControl(loc)} has no .rego files`);
      out.push(...names.map((n) => path.join(loc, n)));
    } else {
      if (!loc.endsWith('.rego')) {
        throw invalid(
          `--policy ${escapeControl(loc)}: expected a .rego file (Rego v1 syntax) or a folder of them`,
        );
      }
      out.push(loc);
    }
    if (out.length > MAX_POLICY_FILES) throw invalid(`too many policy files (more than ${MAX_POLICY_FILES})`);
  }
  return [...new Set(out)];
}

/** The `opa` binary to run, or exit 2 saying how to get one. */
export function locateOpa(opa: string | undefined): string {
  if (opa !== undefined && opa !== '') {
    const found = findExecutable(opa);
    if (!found) throw invalid(`--opa ${escapeControl(opa)}: not an executable file; ${OPA_INSTALL_HINT}`);
    return found;
  }
  const found = findExecutable('opa');
  if (!found) {
    throw invalid(`validate --policy needs the opa binary, and none is on PATH; ${OPA_INSTALL_HINT}`);
  }
  return found;
}

interface OpaError {
  message?: string;
  code?: string;
  location?: { file?: string; row?: number; col?: number };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One rule's value as messages; a message that is neither a string nor an object with msg is an error. */
function messagesOf(value: unknown, rule: 'deny' | 'violation', where: string): PolicyMessage[] {
  if (value === undefined || value === false) return [];
  if (value === true) return [{ rule, msg: `${rule} is true` }];
  if (!Array.isArray(value)) {
    throw invalid(
      `policy ${where}: ${rule} must be a set of strings or of objects with msg (Rego v1: \`${rule} contains msg if {…}\`)`,
    );
  }
  return value.map((m): PolicyMessage => {
    if (typeof m === 'string') return { rule, msg: m };
    if (isRecord(m) && typeof m.msg === 'string') {
      const { msg, ...rest } = m;
      return Object.keys(rest).length > 0 ? { rule, msg, details: rest } : { rule, msg };
    }
    const shown = escapeControl(JSON.stringify(m) ?? String(m)).slice(0, 200);
    throw invalid(
      `policy ${where}: a ${rule} message must be a string or an object with a string msg, got ${shown}`,
    );
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The opa version (`1.22.3`), or undefined. */
async function opaVersion(opa: string): Promise<string | undefined> {
  try {
    const r = await runCommand(opa, ['version'], { timeoutMs: 10_000, maxBytes: 64 * 1024, name: 'opa' });
    return /^Version:\s*(\S+)/m.exec(r.stdout)?.[1];
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return escapeControl(s.trim().split('\n')[0] ?? '');
}

/** Evaluates the policies; the `policy` section of the ValidationResult. */
export async function evaluatePolicies(req: PolicyRequest): Promise<PolicySection> {
  const paths = await expand(req.policies);
  const opa = locateOpa(req.opa);
  const files: PolicyFile[] = [];
  for (const p of paths) {
    const text = await readLocalFile(p, 'policy');
    if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
      throw invalid(`policy ${escapeControl(p)} is larger than ${MAX_POLICY_BYTES} bytes`);
    }
    files.push({ shown: p, text, pkg: regoPackage(text) });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aicr-policy-'));
  try {
    const copies = files.map((_, i) => path.join(dir, `p${String(i).padStart(4, '0')}.rego`));
    await Promise.all(files.map((f, i) => writeFile(copies[i], f.text, { mode: 0o600 })));
    const inputFile = path.join(dir, 'input.json');
    await writeFile(inputFile, toJson(req.input), { mode: 0o600 });
    const dataArgs = copies.flatMap((c) => ['--data', c]);
    const args = ['eval', '--format', 'json', '--input', inputFile, ...dataArgs, 'data'];
    const timeoutMs = req.timeoutMs ?? OPA_TIMEOUT_MS;
    let res;
    try {
      res = await runCommand(opa, args, { timeoutMs, maxBytes: OPA_MAX_OUTPUT, name: 'opa' });
    } catch (err) {
      if (err instanceof RunError && err.kind === 'timeout') {
        throw new AicrError(
          'TIMEOUT',
          `opa did not finish evaluating the policies within ${timeoutMs / 1000}s`,
        );
      }
      if (err instanceof RunError && err.kind === 'too-large') {
        throw invalid(`opa printed more than ${OPA_MAX_OUTPUT} bytes evaluating the policies`);
      }
      throw invalid(`cannot run ${escapeControl(opa)}: ${(err as Error).message}; ${OPA_INSTALL_HINT}`);
    }
    let out: unknown;
    try {
      out = JSON.parse(res.stdout);
    } catch {
      throw invalid(
        `opa eval failed (exit ${res.code}): ${firstLine(res.stderr || res.stdout) || 'no output'}`,
      );
    }
    if (isRecord(out) && Array.isArray(out.errors) && out.errors.length > 0) {
      const shownOf = (f: string | undefined) => {
        const i = copies.indexOf(f ?? '');
        return i >= 0 ? files[i].shown : (f ?? 'policy');
      };
      const lines = (out.errors as OpaError[]).slice(0, 10).map((e) => {
        const at = e.location ? `${shownOf(e.location.file)}:${e.location.row ?? 0}` : 'policy';
        return `${escapeControl(at)}: ${escapeControl(e.message ?? 'error')} (${escapeControl(e.code ?? 'opa error')})`;
      });
      throw invalid(`policy error: ${lines.join('; ')}`);
    }
    if (res.code !== 0) throw invalid(`opa eval failed (exit ${res.code}): ${firstLine(res.stderr)}`);
    const result = isRecord(out) && Array.isArray(out.result) ? (out.result[0] as unknown) : undefined;
    const exprs = isRecord(result) && Array.isArray(result.expressions) ? result.expressions : [];
    const root = isRecord(exprs[0]) ? exprs[0].value : undefined;
    const byPkg = new Map<string, PolicyFile[]>();
    for (const f of files) {
      const key = f.pkg ?? '';
      byPkg.set(key, [...(byPkg.get(key) ?? []), f]);
    }
    const policies: PolicyResult[] = [];
    for (const [pkg, group] of [...byPkg].sort((a, b) => cmp(a[0], b[0]))) {
      let node: unknown = root;
      for (const part of pkg.split('.')) node = isRecord(node) ? node[part] : undefined;
      const doc = isRecord(node) ? node : {};
      const where = `package ${pkg} (${group.map((g) => escapeControl(g.shown)).join(', ')})`;
      const messages = [
        ...messagesOf(doc.deny, 'deny', where),
        ...messagesOf(doc.violation, 'violation', where),
      ];
      messages.sort((a, b) => cmp(a.rule, b.rule) || cmp(a.msg, b.msg));
      policies.push({
        package: pkg,
        files: group.map((g) => g.shown),
        status: messages.length > 0 ? 'fail' : 'pass',
        messages,
      });
    }
    const engine = await opaVersion(opa);
    return {
      status: policies.some((p) => p.status === 'fail') ? 'fail' : 'pass',
      ...(engine ? { engine: `opa ${engine}` } : {}),
      policies,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

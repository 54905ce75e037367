/**
 * Go `text/template` engine, Helm flavour, for the manifest templates of recipe components
 * (`manifestFiles`, docs/bundle.md). Dependency-free apart from `yaml` (for `fromYaml`).
 *
 * Syntax: everything of Go's text/template — actions, trim markers `{{-` `-}}`, comments,
 * pipelines, variables (`:=`, `=`, `$`), field chains, parenthesised pipelines, if/else if/else,
 * with/else with/else, range (lists, maps in sorted key order, integers; one or two variables;
 * else; break/continue), define/template/block, string/raw/char/number/bool/nil literals.
 * Functions: see funcs.ts (Go builtins, Helm's include/tpl/required/toYaml/…, common Sprig).
 *
 * Missing values — a deliberate choice (default, "Helm mode"):
 *   - a missing map key yields no value; printed directly it renders as the empty string (Helm 3
 *     output, where Go's `<no value>` is blanked);
 *   - a field of nil is nil, not an error (`$v.a.b` with `a` absent or null is simply empty), and
 *     `index` of nil is nil, so templates can probe optional values without guards;
 *   - a field of a scalar or a list is still an error (`can't evaluate field x in type string`).
 * `strict: true` gives Go's exact behaviour instead (what upstream aicr v0.11.1 does): `<no value>`
 * is printed, and a field or index of an explicit nil is an error.
 *
 * Errors are `TemplateError` (an `AicrError`, code INVALID_REQUEST) with the message
 * `template <name>:<line>:<col>: <detail>`, for parse and execution errors alike.
 */
import { AicrError } from '../errors/index.js';
import { SourceMap, TemplateError } from './errors.js';
import { execute, type ExecConfig, type TemplateDef } from './exec.js';
import { BUILTINS, type FuncSpec, type TemplateFunction } from './funcs.js';
import { parseTemplate, type ParseResult } from './parser.js';
import type { ListNode } from './ast.js';
import { Budget, DEFAULT_LIMITS, type TemplateLimits } from './limits.js';

export { DEFAULT_LIMITS, type TemplateLimits } from './limits.js';
export type { ParseResult } from './parser.js';

export { TemplateError } from './errors.js';
export type { TemplatePhase } from './errors.js';
export type { TemplateFunction } from './funcs.js';
export { builtinFunctionNames, goJson } from './funcs.js';
export { marshalYamlV3 } from './funcs.js';
export { yamlSortKeys } from '../io/yaml-emit.js';
export { formatValue, sprintf } from './gofmt.js';

export interface TemplateOptions {
  /** Name used in error messages, normally the template's path. Default `template`. */
  name?: string;
  /** Extra functions, called with the evaluated arguments; they replace built-ins of the same name. */
  funcs?: Record<string, TemplateFunction>;
  /** Go text/template semantics for missing values and nil (see above). Default false (Helm mode). */
  strict?: boolean;
  /** Maximum nesting of `template`/`include`/`tpl` calls. Default 100. */
  maxDepth?: number;
  /** Bounds of one execution (output, values, iterations, time); defaults: DEFAULT_LIMITS. */
  limits?: Partial<TemplateLimits>;
  /**
   * The parse of this very text made earlier (serializeParse/deserializeParse, e.g. at build time):
   * the text is not parsed again. It must come from the same text and functions.
   */
  parsed?: ParseResult;
}

/** Parses `text` as compileTemplate would (same functions), for serializeParse. */
export function parseForCache(
  text: string,
  options: Pick<TemplateOptions, 'name' | 'funcs'> = {},
): ParseResult {
  const funcs = funcTable(options.funcs);
  return parseTemplate(text, new SourceMap(options.name ?? 'template', text), (fn) => funcs.has(fn));
}

/** A parse as JSON text (bigints and non-finite numbers kept). */
export function serializeParse(parsed: ParseResult): string {
  return JSON.stringify({ root: parsed.root, defines: [...parsed.defines] }, (_k, v: unknown) =>
    typeof v === 'bigint'
      ? { $bigint: v.toString() }
      : typeof v === 'number' && !Number.isFinite(v)
        ? { $number: String(v) }
        : v,
  );
}

/** The parse serializeParse wrote. */
export function deserializeParse(json: string): ParseResult {
  // Without special numbers (the common case) no reviver runs: one call per value would cost more
  // than the parse it saves.
  if (!json.includes('"$bigint"') && !json.includes('"$number"')) {
    const o = JSON.parse(json) as { root: ListNode; defines: [string, ListNode][] };
    return { root: o.root, defines: new Map(o.defines) };
  }
  const o = JSON.parse(json, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const m = v as { $bigint?: string; $number?: string };
      if (typeof m.$bigint === 'string') return BigInt(m.$bigint);
      if (typeof m.$number === 'string') return Number(m.$number);
    }
    return v;
  }) as { root: ListNode; defines: [string, ListNode][] };
  return { root: o.root, defines: new Map(o.defines) };
}

export interface CompiledTemplate {
  /** The name given at compile time. */
  readonly name: string;
  /** Names of the templates this text defines with `define`/`block`, sorted. */
  readonly definedTemplates: readonly string[];
  /** Executes the template with `data` as `.` and `$`; returns the output. Throws TemplateError. */
  render(data?: unknown): string;
  /** Executes one `define`d template (Go's ExecuteTemplate). Throws TemplateError. */
  renderNamed(templateName: string, data?: unknown): string;
}

const DEFAULT_MAX_DEPTH = 100;

function funcTable(extra: Record<string, TemplateFunction> | undefined): Map<string, FuncSpec> {
  const table = new Map<string, FuncSpec>(Object.entries(BUILTINS));
  for (const [name, fn] of Object.entries(extra ?? {})) {
    if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) {
      throw new AicrError('INTERNAL', `template function name "${name}" is not a valid identifier`);
    }
    table.set(name, { params: [], variadic: 'any', fn: (_ctx, ...args: unknown[]) => fn(...args) });
  }
  return table;
}

function parseInto(
  text: string,
  name: string,
  funcs: Map<string, FuncSpec>,
  base: Map<string, TemplateDef>,
  cached?: ParseResult,
): { main: TemplateDef; defs: Map<string, TemplateDef> } {
  const src = new SourceMap(name, text);
  const parsed = cached ?? parseTemplate(text, src, (fn) => funcs.has(fn));
  const defs = new Map(base);
  for (const [defName, list] of parsed.defines) defs.set(defName, { name: defName, list, src });
  return { main: { name, list: parsed.root, src }, defs };
}

/**
 * Parses `text` once; the result renders any number of times. Throws TemplateError (phase
 * `parse`) on a syntax error, an unknown function or an undeclared variable.
 */
export function compileTemplate(text: string, options: TemplateOptions = {}): CompiledTemplate {
  const name = options.name ?? 'template';
  const funcs = funcTable(options.funcs);
  const { main, defs } = parseInto(text, name, funcs, new Map(), options.parsed);
  const cfg: ExecConfig = {
    funcs,
    strict: options.strict ?? false,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    parseTpl: (tplText, base) => parseInto(tplText, `${name} (tpl)`, funcs, base),
  };
  const limits: TemplateLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const run = (def: TemplateDef, data: unknown): string => {
    try {
      return execute(cfg, defs, def, data, 0, new Budget(limits));
    } catch (e) {
      if (e instanceof RangeError) {
        throw new TemplateError('exec', name, 1, 1, `template execution too deeply nested: ${e.message}`, e);
      }
      throw e;
    }
  };
  return {
    name,
    definedTemplates: [...defs.keys()].sort(),
    render: (data) => run(main, data),
    renderNamed: (templateName, data) => {
      const def = defs.get(templateName);
      if (!def) throw new TemplateError('exec', name, 1, 1, `no template "${templateName}" defined`);
      return run(def, data);
    },
  };
}

/** Compiles and renders in one step. */
export function renderTemplate(text: string, data: unknown, options: TemplateOptions = {}): string {
  return compileTemplate(text, options).render(data);
}

// ---------------------------------------------------------------------------------------------
// Recipe manifest templates: the data and the rendering live in src/bundle/manifests.ts.

/**
 * True when rendered manifest text holds at least one YAML content line, i.e. a line that is not
 * blank, not a `#` comment and not a `---`/`...` document marker (docs/bundle.md: such files are
 * skipped).
 */
export function hasManifestContent(rendered: string): boolean {
  return rendered.split(/\r?\n/).some((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('#') && !/^(---|\.\.\.)(\s+#.*)?$/.test(t);
  });
}

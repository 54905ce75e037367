/**
 * Executor for parsed templates (a port of Go's text/template/exec.go over plain JS data).
 *
 * Semantics choices (see index.ts for the full statement):
 * - Helm mode (default): a missing value prints as "" and a field reached through nil is nil;
 *   `index` of nil is nil.
 * - Strict mode (`strict: true`): Go's default text/template behaviour, as upstream aicr v0.11.1
 *   runs it: a missing value prints as `<no value>`, a field of an explicit nil (e.g. the result
 *   of `index` on a missing key) is an error, `index` of nil is an error.
 * Either way, asking a field of a scalar or list is an error, as in Go.
 */
import type {
  ArgNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  PipeNode,
  RangeNode,
  TemplateNode,
  VariableNode,
} from './ast.js';
import { nodeString } from './ast.js';
import { TemplateError, type SourceMap } from './errors.js';
import { FuncError, type FuncContext, type FuncSpec, type ParamType } from './funcs.js';
import { formatValue } from './gofmt.js';
import { goTypeName, isDict, isGoInt, isNil, isTrue, mapGet, sortedKeys } from './values.js';
import { Budget, LimitError, printedSize } from './limits.js';

/** Functions whose result is (about) the printed form of their arguments: sized before the call. */
const PRINTING = new Set([
  'printf',
  'print',
  'println',
  'cat',
  'join',
  'quote',
  'squote',
  'toString',
  'toStrings',
  'toYaml',
  'toJson',
  'toPrettyJson',
  'html',
  'js',
  'urlquery',
  'b64enc',
]);

/** A named template body and the source it came from (for error positions). */
export interface TemplateDef {
  name: string;
  list: ListNode;
  src: SourceMap;
}

export interface ExecConfig {
  funcs: Map<string, FuncSpec>;
  strict: boolean;
  /** Maximum nesting of `template` / `include` / `tpl` calls. */
  maxDepth: number;
  /** Parses `tpl` text into a main template plus definitions (layered over `defs`). */
  parseTpl(
    text: string,
    defs: Map<string, TemplateDef>,
  ): { main: TemplateDef; defs: Map<string, TemplateDef> };
}

const MISSING: unique symbol = Symbol('missing');
type Final = unknown | typeof MISSING;

class BreakSignal {}
class ContinueSignal {}

/** Runs `def` with `data` as dot and `$`; returns the output text. */
export function execute(
  cfg: ExecConfig,
  defs: Map<string, TemplateDef>,
  def: TemplateDef,
  data: unknown,
  depth: number,
  budget: Budget,
): string {
  const st = new State(cfg, defs, def, data, depth, budget);
  st.walk(data, def.list);
  return st.out.join('');
}

type AtNode = ArgNode | CommandNode | PipeNode | Node;

class State {
  readonly out: string[] = [];
  private written = 0;
  private readonly vars: { name: string; value: unknown }[];
  private readonly fctx: FuncContext;

  constructor(
    private readonly cfg: ExecConfig,
    private readonly defs: Map<string, TemplateDef>,
    private readonly def: TemplateDef,
    dot: unknown,
    private readonly depth: number,
    private readonly budget: Budget,
  ) {
    this.vars = [{ name: '$', value: dot }];
    this.fctx = {
      strict: cfg.strict,
      limits: budget.limits,
      include: (name, data) => this.runNamed(name, data, undefined),
      tpl: (text, data) => {
        const parsed = cfg.parseTpl(text, this.defs);
        this.checkDepth(undefined);
        return execute(cfg, parsed.defs, parsed.main, data, this.depth + 1, this.budget);
      },
    };
  }

  // ---- errors ----

  private fail(node: AtNode | undefined, msg: string, cause?: unknown): never {
    const src = this.def.src;
    let detail = msg;
    if (node && 'kind' in node) {
      const text = atText(node);
      if (text !== undefined) detail = `at <${text}>: ${msg}`;
    }
    if (this.def.name !== src.name) detail = `executing "${this.def.name}" ${detail}`;
    throw src.error('exec', node?.pos ?? 0, detail, cause);
  }

  private checkDepth(node: AtNode | undefined): void {
    if (this.depth + 1 > this.cfg.maxDepth) {
      const msg = `exceeded maximum template depth (${this.cfg.maxDepth})`;
      if (node) this.fail(node, msg);
      throw new FuncError(msg);
    }
  }

  // ---- variables ----

  private varValue(node: VariableNode, name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.fail(node, `undefined variable: ${name}`);
  }

  private setVar(node: VariableNode, name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(node, `undefined variable: ${name}`);
  }

  // ---- walking ----

  /** Appends to the output, within the output limit (per execution level) and the total budget. */
  private emit(text: string): void {
    this.written += text.length;
    if (this.written > this.budget.limits.maxOutput)
      throw new LimitError(`template output exceeds the limit of ${this.budget.limits.maxOutput} characters`);
    this.budget.produce(text.length);
    this.out.push(text);
  }

  walk(dot: unknown, node: Node): void {
    try {
      this.budget.step();
      this.walkNode(dot, node);
    } catch (e) {
      if (e instanceof LimitError) this.fail(node, e.message);
      throw e;
    }
  }

  private walkNode(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.emit(node.text);
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node.pipe, val);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        try {
          const val = this.evalPipeline(dot, node.pipe);
          if (isTrue(val)) this.walk(node.kind === 'with' ? val : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
        } finally {
          this.vars.length = mark;
        }
        return;
      }
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private printValue(node: PipeNode, v: unknown): void {
    if (isNil(v)) {
      if (this.cfg.strict) this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.fail(node, `can't print ${nodeString(node)} of type func`);
    this.emit(formatValue(v));
  }

  private walkRange(dot: unknown, r: RangeNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const inner = this.vars.length;
      const decl = r.pipe.decl;
      const rangeAt = r.pipe.cmds[r.pipe.cmds.length - 1] ?? r.pipe;
      const one = (index: unknown, elem: unknown): boolean => {
        try {
          this.budget.iterate();
        } catch (e) {
          if (e instanceof LimitError) this.fail(rangeAt, e.message);
          throw e;
        }
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!, decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!, decl[1]!.ident[0]!, elem);
          else this.vars[this.vars.length - 2]!.value = index;
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e instanceof BreakSignal) return false;
          if (!(e instanceof ContinueSignal)) throw e;
        } finally {
          this.vars.length = inner;
        }
        return true;
      };
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!one(i, val[i] === undefined ? null : val[i])) break;
        }
      } else if (isDict(val)) {
        for (const k of sortedKeys(val)) {
          ran = true;
          if (!one(k, val[k] === undefined ? null : val[k])) break;
        }
      } else if ((typeof val === 'number' && isGoInt(val)) || typeof val === 'bigint') {
        if (decl.length > 1)
          this.fail(rangeAt, `can't use ${formatValue(val)} to iterate over more than one variable`);
        const n = Number(val);
        for (let i = 0; i < n; i++) {
          ran = true;
          if (!one(i, i)) break;
        }
      } else if (!isNil(val)) {
        this.fail(rangeAt, `range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    const data = t.pipe ? this.evalPipeline(dot, t.pipe) : null;
    this.emit(this.runNamed(t.name, data, t));
  }

  private runNamed(name: string, data: unknown, node: TemplateNode | undefined): string {
    const def = this.defs.get(name);
    if (!def) {
      if (node) this.fail(node, `template "${name}" not defined`);
      throw new FuncError(`template "${name}" not defined`);
    }
    this.checkDepth(node);
    return execute(this.cfg, this.defs, def, data, this.depth + 1, this.budget);
  }

  // ---- pipelines and commands ----

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    const v = value === MISSING ? undefined : value;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable, variable.ident[0]!, v);
      else this.vars.push({ name: variable.ident[0]!, value: v });
    }
    return v;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.fail(args[0], `can't give argument to non-function ${nodeString(args[0]!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
      default:
        break;
    }
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.fail(first, 'nil is not a command');
      // falls through (unreachable)
      case 'number':
        if (typeof first.value === 'bigint' && first.value >= 2n ** 63n)
          this.fail(first, `${first.text} overflows int`);
        return first.value;
      case 'string':
        return first.text;
    }
  }

  private evalChain(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    if (chain.node.kind === 'nil')
      this.fail(chain, `indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.field, args, final);
  }

  private evalVariable(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    const value = this.varValue(v, v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: FieldNode | ChainNode | VariableNode,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(
    dot: unknown,
    name: string,
    node: FieldNode | ChainNode | VariableNode,
    args: ArgNode[],
    final: Final,
    receiver: unknown,
  ): unknown {
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver === undefined) return undefined; // missing value: stays missing (Go and Helm)
    if (receiver === null) {
      if (this.cfg.strict) this.fail(node, `nil pointer evaluating interface {}.${name}`);
      return undefined;
    }
    if (isDict(receiver)) {
      const v = mapGet(receiver, name);
      // A function-valued entry given arguments acts like a Go method (`.APIVersions.Has "x"`);
      // without arguments it is a plain value (for `call`).
      if (typeof v === 'function' && hasArgs) {
        return this.callMethod(dot, v as (...a: unknown[]) => unknown, node, name, args, final);
      }
      if (hasArgs) this.fail(node, `${name} is not a method but has arguments`);
      return v;
    }
    this.fail(node, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  /** Calls a function-valued map entry with the command's arguments. */
  private callMethod(
    dot: unknown,
    fn: (...a: unknown[]) => unknown,
    node: AtNode,
    name: string,
    args: ArgNode[],
    final: Final,
  ): unknown {
    const values = args.slice(1).map((a) => this.evalArg(dot, 'any', a));
    if (final !== MISSING) values.push(final);
    try {
      const result = fn(...values);
      this.budget.result(name, result);
      return result;
    } catch (e) {
      if (e instanceof LimitError) this.fail(node, e.message);
      this.fail(node, `error calling ${name}: ${(e as Error).message}`, e);
    }
  }

  private evalFunction(
    dot: unknown,
    id: IdentifierNode,
    cmd: AtNode,
    args: ArgNode[],
    final: Final,
  ): unknown {
    const name = id.name;
    const spec = this.cfg.funcs.get(name);
    if (!spec) this.fail(id, `"${name}" is not a defined function`);
    if (name === 'and' || name === 'or') {
      const rest = args.slice(1);
      if (rest.length === 0 && final === MISSING)
        this.fail(cmd, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (const a of rest) {
        v = this.evalArg(dot, 'any', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    const numFixed = spec.params.length;
    if (spec.variadic !== undefined) {
      if (numIn < numFixed)
        this.fail(cmd, `wrong number of args for ${name}: want at least ${numFixed} got ${numIn}`);
    } else if (numIn !== numFixed) {
      this.fail(cmd, `wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const typeAt = (i: number): ParamType => (i < numFixed ? spec.params[i]! : spec.variadic!);
    const values: unknown[] = argNodes.map((a, i) => this.evalArg(dot, typeAt(i), a));
    if (final !== MISSING) values.push(this.validateType(cmd, final, typeAt(values.length)));
    const max = this.budget.limits.maxValue;
    if (PRINTING.has(name) && printedSize(values, max) > max)
      this.fail(cmd, `${name} would print more than the limit of ${max} characters`);
    try {
      const result = spec.fn(this.fctx, ...values);
      this.budget.result(name, result);
      return result;
    } catch (e) {
      if (e instanceof TemplateError || e instanceof BreakSignal || e instanceof ContinueSignal) throw e;
      if (e instanceof LimitError) this.fail(cmd, e.message);
      if (e instanceof RangeError && /Invalid (string|array) length/.test(e.message))
        this.fail(cmd, `${name} would return a value larger than the engine can hold`, e);
      if (e instanceof FuncError && e.bare) this.fail(cmd, e.message, e);
      const msg = e instanceof Error ? e.message : String(e);
      this.fail(cmd, `error calling ${name}: ${msg}`, e);
    }
  }

  private evalArg(dot: unknown, type: ParamType, n: ArgNode): unknown {
    let v: unknown;
    switch (n.kind) {
      case 'dot':
        v = dot;
        break;
      case 'nil':
        if (type !== 'any' && type !== 'list' && type !== 'map')
          this.fail(n, `cannot assign nil to ${goParamName(type)}`);
        return null;
      case 'field':
        v = this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING);
        break;
      case 'variable':
        v = this.evalVariable(dot, n, [n], MISSING);
        break;
      case 'pipe':
        v = this.evalPipeline(dot, n);
        break;
      case 'identifier':
        v = this.evalFunction(dot, n, n, [n], MISSING);
        break;
      case 'chain':
        v = this.evalChain(dot, n, [n], MISSING);
        break;
      case 'bool':
      case 'number':
      case 'string':
        return this.evalConstant(n, type);
    }
    return this.validateType(n, v, type);
  }

  /** A literal argument: Go checks it against the parameter type with its own messages. */
  private evalConstant(n: ArgNode & { kind: 'bool' | 'number' | 'string' }, type: ParamType): unknown {
    const v = n.kind === 'string' ? n.text : n.value;
    const found = () => this.fail(n, `expected ${constantTypeName(type)}; found ${nodeString(n)}`);
    switch (type) {
      case 'any':
        if (typeof v === 'bigint' && v >= 2n ** 63n) this.fail(n, `${nodeString(n)} overflows int`);
        return v;
      case 'string':
        return n.kind === 'string' ? v : found();
      case 'bool':
        return n.kind === 'bool' ? v : found();
      case 'int':
        if (n.kind !== 'number' || (typeof v === 'number' && !Number.isInteger(v))) found();
        return Number(v);
      case 'float':
        return n.kind === 'number' ? Number(v) : found();
      default:
        return found();
    }
  }

  /** Go's argument conversion: the value must suit the parameter type. */
  private validateType(node: AtNode, v: unknown, type: ParamType): unknown {
    switch (type) {
      case 'any':
        return v === undefined ? null : v;
      case 'list':
        if (isNil(v)) return null;
        if (Array.isArray(v)) return v;
        break;
      case 'map':
        if (isNil(v)) return null;
        if (isDict(v)) return v;
        break;
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'int':
        if (typeof v === 'bigint') return Number(v);
        if (typeof v === 'number' && isGoInt(v)) return v;
        break;
      case 'float':
        if (typeof v === 'bigint') return Number(v);
        if (typeof v === 'number') return v;
        break;
      case 'bool':
        if (typeof v === 'boolean') return v;
        break;
    }
    if (isNil(v)) this.fail(node, `invalid value; expected ${goParamName(type)}`);
    this.fail(node, `wrong type for value; expected ${goParamName(type)}; got ${goTypeName(v)}`);
  }
}

function constantTypeName(t: ParamType): string {
  return t === 'int' ? 'integer' : t === 'float' ? 'float' : goParamName(t);
}

function goParamName(t: ParamType): string {
  switch (t) {
    case 'any':
      return 'interface {}';
    case 'float':
      return 'float64';
    case 'list':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return t;
  }
}

function atText(node: AtNode): string | undefined {
  switch (node.kind) {
    case 'list':
    case 'text':
    case 'action':
    case 'if':
    case 'with':
    case 'range':
    case 'break':
    case 'continue':
      return undefined;
    case 'template':
      return `template "${node.name}"`;
    default:
      return nodeString(node);
  }
}

export { FuncError };

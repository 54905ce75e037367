/**
 * Parser for Go `text/template` syntax (a port of text/template/parse/parse.go).
 *
 * Checks at parse time what Go checks: functions must exist, variables must be declared in an
 * enclosing scope, `break`/`continue` only inside `range`, `define` only at top level, no two
 * non-empty definitions of one name.
 */
import type {
  ArgNode,
  CommandNode,
  FieldNode,
  IfNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  RangeNode,
  StringNode,
  TemplateNode,
  VariableNode,
  WithNode,
} from './ast.js';
import { nodeString } from './ast.js';
import { SourceMap } from './errors.js';
import { lex, type Token, type TokenType } from './lexer.js';

export interface ParseResult {
  /** The main template body. */
  root: ListNode;
  /** `define`d (and `block`) templates found in the text. */
  defines: Map<string, ListNode>;
}

/** A node ending an item list: `{{end}}` or `{{else}}`. */
interface Terminator {
  kind: 'end' | 'else';
  pos: number;
}

const KEYWORD_TYPES = new Set<TokenType>([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
  'nil',
  'dot',
]);

function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  if (t.val.length > 10) return JSON.stringify(t.val.slice(0, 10)) + '...';
  return JSON.stringify(t.val);
}

export function parseTemplate(
  text: string,
  src: SourceMap,
  hasFunction: (name: string) => boolean,
): ParseResult {
  return new Parser(lex(text), src, hasFunction).parse();
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly defines = new Map<string, ListNode>();

  constructor(
    private readonly tokens: Token[],
    private readonly src: SourceMap,
    private readonly hasFunction: (name: string) => boolean,
  ) {}

  // ---- token stream ----

  private next(): Token {
    const t = this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
    if (this.i < this.tokens.length) this.i++;
    return t;
  }
  private backup(n = 1): void {
    this.i -= n;
  }
  private peek(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }
  private nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.type === 'space');
    return t;
  }
  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  private errorAt(pos: number, msg: string): never {
    throw this.src.error('parse', pos, msg);
  }
  private unexpected(t: Token, context: string): never {
    if (t.type === 'error') this.errorAt(t.pos, t.val);
    this.errorAt(t.pos, `unexpected ${tokenString(t)} in ${context}`);
  }
  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  // ---- top level ----

  parse(): ParseResult {
    const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        const delim = this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition(delim);
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else')) {
        this.errorAt(n.pos, `unexpected {{${n.kind}}}`);
      }
      root.nodes.push(n as Node);
    }
    return { root, defines: this.defines };
  }

  private addDefine(name: string, list: ListNode, pos: number): void {
    const old = this.defines.get(name);
    if (old === undefined || isEmptyList(old)) {
      this.defines.set(name, list);
      return;
    }
    if (!isEmptyList(list)) this.errorAt(pos, `template: multiple definition of template "${name}"`);
  }

  private parseDefinition(delim: Token): void {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquote(nameTok);
    this.expect('rightDelim', context);
    const savedVars = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== 'end') this.errorAt(end.pos, `unexpected {{${end.kind}}} in ${context}`);
    this.addDefine(name, list, delim.pos);
  }

  /** Items up to `{{end}}` or `{{else}}`. */
  private itemList(): [ListNode, Terminator] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else')) return [list, n as Terminator];
      list.nodes.push(n as Node);
    }
    const eof = this.peek();
    if (eof.type === 'error') this.errorAt(eof.pos, eof.val);
    this.errorAt(eof.pos, 'unexpected EOF');
  }

  private textOrAction(): Node | Terminator {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'text':
        return { kind: 'text', pos: t.pos, text: t.val };
      case 'leftDelim':
        return this.action(t);
      default:
        this.unexpected(t, 'input');
    }
  }

  // ---- actions ----

  private action(delim: Token): Node | Terminator {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block':
        return this.blockControl(t);
      case 'break':
        return this.loopControl(t, 'break');
      case 'continue':
        return this.loopControl(t, 'continue');
      case 'else':
        return this.elseControl(t);
      case 'end':
        this.expect('rightDelim', 'end');
        return { kind: 'end', pos: t.pos };
      case 'if':
        return this.ifControl(t);
      case 'range':
        return this.rangeControl(t);
      case 'template':
        return this.templateControl(t);
      case 'with':
        return this.withControl(t);
      case 'define':
        return this.errorAt(t.pos, 'unexpected <define> in command');
      default:
        break;
    }
    this.backup();
    return { kind: 'action', pos: delim.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(t: Token, which: 'break' | 'continue'): Node {
    const end = this.nextNonSpace();
    if (end.type !== 'rightDelim') this.unexpected(end, `{{${which}}}`);
    if (this.rangeDepth === 0) this.errorAt(t.pos, `{{${which}}} outside {{range}}`);
    return { kind: which, pos: t.pos };
  }

  private elseControl(t: Token): Terminator {
    const peek = this.peekNonSpace();
    // "else if" / "else with": leave the keyword pending for the enclosing control.
    if (peek.type === 'if' || peek.type === 'with') return { kind: 'else', pos: peek.pos };
    this.expect('rightDelim', 'else');
    return { kind: 'else', pos: t.pos };
  }

  private parseControl(context: 'if' | 'with' | 'range'): {
    pipe: PipeNode;
    list: ListNode;
    elseList?: ListNode;
  } {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let list: ListNode;
      let next: Terminator;
      try {
        [list, next] = this.itemList();
      } finally {
        if (context === 'range') this.rangeDepth--;
      }
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        const peek = this.peekNonSpace();
        if ((context === 'if' && peek.type === 'if') || (context === 'with' && peek.type === 'with')) {
          // {{if a}}_{{else if b}}_{{end}} is {{if a}}_{{else}}{{if b}}_{{end}}{{end}}
          const kw = this.nextNonSpace();
          elseList = { kind: 'list', pos: next.pos, nodes: [] };
          elseList.nodes.push(context === 'if' ? this.ifControl(kw) : this.withControl(kw));
        } else {
          let end: Terminator;
          [elseList, end] = this.itemList();
          if (end.kind !== 'end') this.errorAt(end.pos, `expected end; found {{${end.kind}}}`);
        }
      }
      return { pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private ifControl(t: Token): IfNode {
    return { kind: 'if', pos: t.pos, ...this.parseControl('if') };
  }
  private withControl(t: Token): WithNode {
    return { kind: 'with', pos: t.pos, ...this.parseControl('with') };
  }
  private rangeControl(t: Token): RangeNode {
    return { kind: 'range', pos: t.pos, ...this.parseControl('range') };
  }

  private templateControl(t: Token): TemplateNode {
    const context = 'template clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquote(nameTok);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  /** `{{block "name" pipeline}} body {{end}}` = define + template. */
  private blockControl(t: Token): TemplateNode {
    const context = 'block clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquote(nameTok);
    const pipe = this.pipeline(context, 'rightDelim');
    const savedVars = this.vars;
    this.vars = ['$'];
    const savedDepth = this.rangeDepth;
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    this.vars = savedVars;
    this.rangeDepth = savedDepth;
    if (end.kind !== 'end') this.errorAt(end.pos, `unexpected {{${end.kind}}} in ${context}`);
    this.addDefine(name, list, t.pos);
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  // ---- pipelines ----

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: first.pos, isAssign: false, decl: [], cmds: [] };
    // declarations
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        if (pipe.isAssign && !this.vars.includes(v.val)) this.errorAt(v.pos, `undefined variable "${v.val}"`);
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          this.errorAt(next.pos, 'range can only initialize variables');
        }
        this.errorAt(next.pos, `too many declarations in ${context}`);
      }
      // not a declaration: put the variable back (peeks did not consume anything)
      this.backup();
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context, t);
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, endTok: Token): void {
    if (pipe.cmds.length === 0) this.errorAt(endTok.pos, `missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorAt(c.pos, `non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') {
        this.backup();
      } else if (t.type !== 'pipe') {
        this.unexpected(t, 'operand');
      }
      break;
    }
    if (cmd.args.length === 0) this.errorAt(cmd.pos, 'empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: node.pos, ident: [...node.ident, ...fields] } satisfies FieldNode;
      case 'variable':
        return { kind: 'variable', pos: node.pos, ident: [...node.ident, ...fields] } satisfies VariableNode;
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorAt(node.pos, `unexpected . after term "${nodeString(node)}"`);
      // falls through (unreachable)
      default:
        return { kind: 'chain', pos: node.pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorAt(t.pos, `function "${t.val}" not defined`);
        return { kind: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable': {
        if (!this.vars.includes(t.val)) this.errorAt(t.pos, `undefined variable "${t.val}"`);
        return { kind: 'variable', pos: t.pos, ident: [t.val] };
      }
      case 'field':
        return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t) } satisfies StringNode;
      default:
        break;
    }
    this.backup();
    return undefined;
  }

  private number(t: Token): NumberNode {
    if (t.type === 'charConstant') {
      const s = this.unquoteGo(t.val.slice(1, -1), "'", t.pos);
      const cps = [...s];
      if (cps.length !== 1) this.errorAt(t.pos, `malformed character constant: ${t.val}`);
      return { kind: 'number', pos: t.pos, text: t.val, value: cps[0]!.codePointAt(0)!, isFloat: false };
    }
    const parsed = parseGoNumber(t.val);
    if (!parsed) this.errorAt(t.pos, `illegal number syntax: "${t.val}"`);
    return { kind: 'number', pos: t.pos, text: t.val, ...parsed };
  }

  private unquote(t: Token): string {
    if (t.type === 'rawString') return t.val.slice(1, -1).replace(/\r/g, '');
    return this.unquoteGo(t.val.slice(1, -1), '"', t.pos);
  }

  /** Go's `strconv.Unquote` for the body of a "..." string or '...' rune literal. */
  private unquoteGo(body: string, quote: '"' | "'", pos: number): string {
    const bytes: number[] = [];
    const pushStr = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
    const bad = (): never => this.errorAt(pos, 'invalid syntax');
    for (let i = 0; i < body.length;) {
      const c = body[i]!;
      if (c !== '\\') {
        const cp = body.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        pushStr(ch);
        i += ch.length;
        continue;
      }
      const e = body[i + 1];
      i += 2;
      switch (e) {
        case 'a':
          bytes.push(7);
          break;
        case 'b':
          bytes.push(8);
          break;
        case 'f':
          bytes.push(12);
          break;
        case 'n':
          bytes.push(10);
          break;
        case 'r':
          bytes.push(13);
          break;
        case 't':
          bytes.push(9);
          break;
        case 'v':
          bytes.push(11);
          break;
        case '\\':
          bytes.push(92);
          break;
        case '"':
        case "'":
          if (e !== quote) bad();
          bytes.push(e.charCodeAt(0));
          break;
        case 'x': {
          const h = body.slice(i, i + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) bad();
          bytes.push(parseInt(h, 16));
          i += 2;
          break;
        }
        case 'u':
        case 'U': {
          const n = e === 'u' ? 4 : 8;
          const h = body.slice(i, i + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) bad();
          const cp = parseInt(h, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) bad();
          pushStr(String.fromCodePoint(cp));
          i += n;
          break;
        }
        default: {
          if (e !== undefined && e >= '0' && e <= '7') {
            const o = body.slice(i - 1, i + 2);
            if (!/^[0-7]{3}$/.test(o)) bad();
            const v = parseInt(o, 8);
            if (v > 255) bad();
            bytes.push(v);
            i += 2;
            break;
          }
          bad();
        }
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

function isEmptyList(l: ListNode): boolean {
  return l.nodes.every((n) => n.kind === 'text' && n.text.trim() === '');
}

/** Go number literal → value (ints as number, or bigint past 2^53), or undefined when malformed. */
export function parseGoNumber(text: string): { value: number | bigint; isFloat: boolean } | undefined {
  if (text.endsWith('i')) return undefined; // complex numbers are not supported
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  // Go allows '_' only between digits (or after a base prefix).
  const validUnderscores = (s: string) => !/(^_|_$|__)/.test(s.replace(/^0[xXoObB]_?/, '0'));
  const intMatch =
    /^0[xX][0-9a-fA-F_]+$/.test(body) ||
    /^0[oO][0-7_]+$/.test(body) ||
    /^0[bB][01_]+$/.test(body) ||
    /^0[0-7_]*$/.test(body) ||
    /^[1-9][0-9_]*$/.test(body);
  if (intMatch) {
    if (!validUnderscores(body)) return undefined;
    const clean = body.replace(/_/g, '');
    let big: bigint;
    if (/^0[0-7]+$/.test(clean)) big = BigInt('0o' + clean.slice(1));
    else big = BigInt(clean.replace(/^0([XOB])/, (_m, p: string) => '0' + p.toLowerCase()));
    if (neg) big = -big;
    if (big > 2n ** 64n - 1n || big < -(2n ** 63n)) return undefined;
    const asNum = Number(big);
    return { value: Number.isSafeInteger(asNum) ? asNum : big, isFloat: false };
  }
  // floats
  if (/^0[xX]/.test(body)) {
    const m = /^0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/.exec(body);
    if (!m || !validUnderscores(body)) return undefined;
    const intPart = (m[1] ?? '').replace(/_/g, '');
    const frac = (m[2] ?? '').replace(/_/g, '');
    if (!intPart && !frac) return undefined;
    let v = parseInt(intPart || '0', 16);
    for (let k = 0; k < frac.length; k++) v += parseInt(frac[k]!, 16) / 16 ** (k + 1);
    v *= 2 ** Number(m[3]!.replace(/_/g, ''));
    return { value: neg ? -v : v, isFloat: true };
  }
  if (!/^([0-9_]+\.?[0-9_]*|\.[0-9_]+)([eE][+-]?[0-9_]+)?$/.test(body)) return undefined;
  if (!validUnderscores(body.split(/[.eE]/)[0] ?? '')) return undefined;
  const v = Number(body.replace(/_/g, ''));
  if (!Number.isFinite(v)) return undefined;
  return { value: neg ? -v : v, isFloat: true };
}

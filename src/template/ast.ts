/** Parse tree of a template (mirrors Go's text/template/parse node types). */

export type Node =
  ListNode | TextNode | ActionNode | IfNode | WithNode | RangeNode | TemplateNode | BreakNode | ContinueNode;

export interface ListNode {
  kind: 'list';
  pos: number;
  nodes: Node[];
}

export interface TextNode {
  kind: 'text';
  pos: number;
  text: string;
}

export interface ActionNode {
  kind: 'action';
  pos: number;
  pipe: PipeNode;
}

export interface IfNode {
  kind: 'if';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface WithNode {
  kind: 'with';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface RangeNode {
  kind: 'range';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface TemplateNode {
  kind: 'template';
  pos: number;
  name: string;
  pipe?: PipeNode;
}

export interface BreakNode {
  kind: 'break';
  pos: number;
}

export interface ContinueNode {
  kind: 'continue';
  pos: number;
}

export interface PipeNode {
  kind: 'pipe';
  pos: number;
  /** `=` rather than `:=`. */
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}

export interface CommandNode {
  kind: 'command';
  pos: number;
  args: ArgNode[];
}

export type ArgNode =
  | FieldNode
  | ChainNode
  | VariableNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** `.A.B` */
export interface FieldNode {
  kind: 'field';
  pos: number;
  ident: string[];
}

/** `(pipeline).A.B` */
export interface ChainNode {
  kind: 'chain';
  pos: number;
  node: ArgNode;
  field: string[];
}

/** `$x.A.B` (ident[0] is the variable name including `$`). */
export interface VariableNode {
  kind: 'variable';
  pos: number;
  ident: string[];
}

/** A function name. */
export interface IdentifierNode {
  kind: 'identifier';
  pos: number;
  name: string;
}

export interface DotNode {
  kind: 'dot';
  pos: number;
}

export interface NilNode {
  kind: 'nil';
  pos: number;
}

export interface BoolNode {
  kind: 'bool';
  pos: number;
  value: boolean;
}

export interface NumberNode {
  kind: 'number';
  pos: number;
  text: string;
  /** The value; integers beyond 2^53 keep `bigint` precision. */
  value: number | bigint;
  /** Written with a '.', exponent or as a float (Go's float constant). */
  isFloat: boolean;
}

export interface StringNode {
  kind: 'string';
  pos: number;
  /** Original quoted text. */
  quoted: string;
  text: string;
}

/** Go's `Node.String()` for argument nodes, used in error messages (`at <...>`). */
export function nodeString(n: ArgNode | CommandNode): string {
  switch (n.kind) {
    case 'field':
      return '.' + n.ident.join('.');
    case 'chain': {
      const inner = n.node.kind === 'pipe' ? '(' + nodeString(n.node) + ')' : nodeString(n.node);
      return inner + '.' + n.field.join('.');
    }
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? '(' + nodeString(a) + ')' : nodeString(a))).join(' ');
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0)
        s = n.decl.map((d) => d.ident.join('.')).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
  }
}

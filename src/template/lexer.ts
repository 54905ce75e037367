/**
 * Lexer for Go `text/template` syntax (a port of text/template/parse/lex.go with the default
 * `{{` `}}` delimiters). Produces the whole token list up front; a lexical error becomes an
 * `error` token at its position and ends the list, so the parser reports it when it gets there
 * (earlier syntax errors win, as in Go).
 */

export type TokenType =
  | 'error'
  | 'bool'
  | 'char' // printable ASCII character not otherwise handled (e.g. ',')
  | 'charConstant'
  | 'assign' // '='
  | 'declare' // ':='
  | 'eof'
  | 'field' // '.Name'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable' // '$name' or '$'
  | 'dot'
  | 'nil'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'range'
  | 'template'
  | 'with';

export interface Token {
  type: TokenType;
  val: string;
  /** Offset of the token's first character in the template text. */
  pos: number;
}

const KEYWORDS: Record<string, TokenType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  range: 'range',
  nil: 'nil',
  template: 'template',
  with: 'with',
};

const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined) =>
  c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));

/** `{{- ` : '-' then a space character. */
const hasLeftTrimMarker = (s: string, i: number) => s[i] === '-' && isSpace(s[i + 1]);
/** ` -}}` : a space character then '-'. */
const hasRightTrimMarker = (s: string, i: number) => isSpace(s[i]) && s[i + 1] === '-';

function describeRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  /** Set when the previous right delimiter had a trim marker. */
  let trimLeadingNext = false;

  const emit = (type: TokenType, val = input.slice(start, pos), at = start) => {
    tokens.push({ type, val, pos: at });
    start = pos;
  };
  const fail = (msg: string, at = start): Token[] => {
    tokens.push({ type: 'error', val: msg, pos: at });
    return tokens;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT_DELIM, pos + 2))
      return { delim: true, trim: true };
    if (input.startsWith(RIGHT_DELIM, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:)('.includes(c)) return true;
    return input.startsWith(RIGHT_DELIM, pos);
  };

  /** Moves past a quoted string or character constant starting at `pos`; false when unterminated. */
  const scanQuoted = (quote: string): boolean => {
    pos++;
    for (;;) {
      const d = input[pos];
      if (d === '\\') {
        pos++;
        const e = input[pos];
        if (e === undefined || e === '\n') return false;
        pos++;
        continue;
      }
      if (d === undefined || d === '\n') return false;
      pos++;
      if (d === quote) return true;
    }
  };

  for (;;) {
    // ---- text ----
    if (trimLeadingNext) {
      while (isSpace(input[pos])) pos++;
      start = pos;
      trimLeadingNext = false;
    }
    const x = input.indexOf(LEFT_DELIM, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      emit('eof', '', pos);
      return tokens;
    }
    const trimLeft = hasLeftTrimMarker(input, x + LEFT_DELIM.length);
    let textEnd = x;
    if (trimLeft) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > start) tokens.push({ type: 'text', val: input.slice(start, textEnd), pos: start });
    pos = x;
    start = x;
    // ---- left delimiter ----
    const actionStart = x;
    pos += LEFT_DELIM.length;
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      // comment: {{/* ... */}} with optional trim markers
      pos += afterMarker;
      const commentStart = pos;
      pos += LEFT_COMMENT.length;
      const end = input.indexOf(RIGHT_COMMENT, pos);
      if (end < 0) return fail('unclosed comment', commentStart);
      pos = end + RIGHT_COMMENT.length;
      const rd = atRightDelim();
      if (!rd.delim) return fail('comment ends before closing delimiter', commentStart);
      if (rd.trim) pos += 2;
      pos += RIGHT_DELIM.length;
      start = pos;
      trimLeadingNext = rd.trim;
      continue;
    }
    emit('leftDelim', LEFT_DELIM, actionStart);
    pos += afterMarker;
    start = pos;
    // ---- inside action ----
    for (;;) {
      const rd = atRightDelim();
      if (rd.delim) {
        if (parenDepth !== 0) return fail('unclosed left paren', pos);
        const at = pos;
        if (rd.trim) pos += 2;
        pos += RIGHT_DELIM.length;
        tokens.push({ type: 'rightDelim', val: RIGHT_DELIM, pos: at });
        start = pos;
        trimLeadingNext = rd.trim;
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action', actionStart);
      if (isSpace(c)) {
        // a run of spaces; stop before " -}}" so the trim marker is seen
        while (isSpace(input[pos])) {
          if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT_DELIM, pos + 2)) break;
          pos++;
        }
        if (pos > start) emit('space');
        continue;
      }
      if (c === '=') {
        pos++;
        emit('assign');
        continue;
      }
      if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=', pos);
        pos += 2;
        emit('declare');
        continue;
      }
      if (c === '|') {
        pos++;
        emit('pipe');
        continue;
      }
      if (c === '"') {
        if (!scanQuoted('"')) return fail('unterminated quoted string');
        emit('string');
        continue;
      }
      if (c === '`') {
        const end = input.indexOf('`', pos + 1);
        if (end < 0) return fail('unterminated raw quoted string');
        pos = end + 1;
        emit('rawString');
        continue;
      }
      if (c === "'") {
        if (!scanQuoted("'")) return fail('unterminated character constant');
        emit('charConstant');
        continue;
      }
      if (c === '$' || (c === '.' && !/[0-9]/.test(input[pos + 1] ?? ''))) {
        // variable or field
        const type: TokenType = c === '$' ? 'variable' : 'field';
        pos++;
        if (atTerminator()) {
          emit(type === 'variable' ? 'variable' : 'dot');
          continue;
        }
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator())
          return fail(`bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos)!))}`, pos);
        emit(type);
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        if (!scanNumber()) return fail(`bad number syntax: "${input.slice(start, pos)}"`);
        const sign = input[pos];
        if (sign === '+' || sign === '-') {
          // complex number such as 1+2i: not supported, report like a bad number
          pos++;
          scanNumber();
          return fail(`bad number syntax: "${input.slice(start, pos)}"`);
        }
        emit('number');
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) pos++;
        const word = input.slice(start, pos);
        if (!atTerminator())
          return fail(`bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos)!))}`, pos);
        const kw = Object.prototype.hasOwnProperty.call(KEYWORDS, word) ? KEYWORDS[word] : undefined;
        if (kw !== undefined) emit(kw);
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
        continue;
      }
      if (c === '(') {
        pos++;
        parenDepth++;
        emit('leftParen');
        continue;
      }
      if (c === ')') {
        pos++;
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren', pos - 1);
        emit('rightParen');
        continue;
      }
      const cp = input.codePointAt(pos)!;
      const ch = String.fromCodePoint(cp);
      if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
        pos += ch.length;
        emit('char');
        continue;
      }
      return fail(`unrecognized character in action: ${describeRune(ch)}`, pos);
    }
  }

  function accept(valid: string): boolean {
    const c = input[pos];
    if (c !== undefined && valid.includes(c)) {
      pos++;
      return true;
    }
    return false;
  }
  function acceptRun(valid: string): void {
    while (accept(valid)) {
      /* consume */
    }
  }
  function scanNumber(): boolean {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[pos])) {
      pos++;
      return false;
    }
    return true;
  }
}

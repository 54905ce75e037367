/**
 * The one YAML writer of aicr: a port of the parts of gopkg.in/yaml.v3's (v3.0.1) libyaml emitter
 * used for maps, lists and scalars, byte for byte. Block style with `indent` spaces, sequences
 * indented under their key, empty collections as `{}` / `[]`, strings quoted only when they would
 * otherwise read as another type (`"true"`, `"1.0"`, `"yes"`, `"2024-01-01"`, `""`) or cannot be
 * plain, multi-line strings as literal blocks (`|`, `|-`, `|+`), no line folding, keys longer than
 * 128 bytes in the explicit `? key` form.
 *
 * Two profiles of the same emitter:
 *  - `marshalYaml(v)` with defaults is `yaml.Marshal` (4-space indent, keys in yaml.v3's "natural"
 *    order); the template engine's `toYaml` uses it with Go's number formatting.
 *  - `toYaml(v)` writes aicr's documents (recipes, snapshots, values.yaml, Argo CD applications, agent
 *    manifests): 2-space indent, insertion order (callers sort where order carries no meaning),
 *    undefined map values left out, and `safe` quoting — strings also read back as strings under
 *    YAML 1.1 rules (`<<`, 1.1 timestamps, sexagesimals), dates as quoted strings, no carriage
 *    return inside a literal block.
 * Dependency-free, so that writing a document does not load a YAML parser.
 */
import { assertWritableDepth } from './limits.js';

export interface YamlWriterOptions {
  /** Spaces per nesting level, 2..9 (yaml.v3 `Encoder.SetIndent`); default 4 like `yaml.Marshal`. */
  indent?: number;
  /** Keys in yaml.v3's order (default) or, when false, in insertion order. */
  sortKeys?: boolean;
  /** aicr's document profile (see above). Default false (exact yaml.v3 output). */
  safe?: boolean;
  /** Spelling of a (non-bigint) number; default JavaScript's (`1.5`, `1e+21`), `.nan`, `.inf`. */
  formatNumber?: (v: number) => string;
}

// ---------------------------------------------------------------------------------------------
// Key order (yaml.v3 sorter.go, for string keys)

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const isLetter = (cp: number) => LETTER.test(String.fromCodePoint(cp));
const isDigit = (cp: number) => DIGIT.test(String.fromCodePoint(cp));

function runes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/** yaml.v3's `keyList.Less` for two string keys. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = runes(a);
  const br = runes(b);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]!);
      continue;
    }
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === 0x30 || br[i] === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== 0x30) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + (ar[ai]! - 0x30);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + (br[bi]! - 0x30);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

/** Map keys in the order yaml.v3 writes them. */
export function yamlSortKeys(keys: string[]): string[] {
  return [...keys].sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Plain-scalar resolution (yaml.v3 resolve.go): would this string read back as something else?

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOLS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
]);
const RESOLVE_MAP = new Set([
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
]);

/** Go's `strconv.ParseFloat` acceptance (decimal, hex mantissa, inf/nan, underscores between digits). */
function goParsesFloat(s: string): boolean {
  if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return true;
  if (/^[+-]?0[xX](_?[0-9a-fA-F])*(\.[0-9a-fA-F_]*)?[pP][+-]?[0-9_]+$/.test(s))
    return /[0-9a-fA-F]/.test(s.slice(2));
  // decimal: digits with optional '.', optional exponent; underscores only with a base prefix → none here
  return /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s);
}

/** Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` acceptance (after underscores were removed). */
function goParsesInt(s: string): boolean {
  const body = s.replace(/^[+-]/, '');
  const neg = s.startsWith('-');
  let digits: string;
  let base: number;
  if (/^0[xX]/.test(body)) {
    digits = body.slice(2);
    base = 16;
    if (!/^[0-9a-fA-F]+$/.test(digits)) return false;
  } else if (/^0[bB]/.test(body)) {
    digits = body.slice(2);
    base = 2;
    if (!/^[01]+$/.test(digits)) return false;
  } else if (/^0[oO]/.test(body)) {
    digits = body.slice(2);
    base = 8;
    if (!/^[0-7]+$/.test(digits)) return false;
  } else if (/^0/.test(body) && body.length > 1) {
    digits = body.slice(1);
    base = 8;
    if (!/^[0-7]+$/.test(digits)) return false;
  } else {
    digits = body;
    base = 10;
    if (!/^[0-9]+$/.test(digits)) return false;
  }
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  return neg ? v <= 2n ** 63n : v < 2n ** 64n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const max = m === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[m - 1]!;
  return d <= max;
}

/** yaml.v3 `parseTimestamp`: the formats it accepts through `time.Parse`. */
function isTimestamp(s: string): boolean {
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) return false;
  if (!validDate(+m[1]!, +m[2]!, +m[3]!)) return false;
  if (+m[5]! > 23 || +m[6]! > 59 || +m[7]! > 59) return false;
  const sep = m[4]!;
  const zone = m[9];
  if (sep === ' ') return zone === undefined;
  if (zone === undefined) return false;
  if (zone !== 'Z') {
    const [hh, mm] = zone.slice(1).split(':').map(Number);
    if (hh! > 23 || mm! > 59) return false;
  }
  return true;
}

/** True when yaml.v3 resolves the plain scalar `s` to a non-string tag (so it must be quoted). */
function resolvesToNonString(s: string): boolean {
  if (RESOLVE_MAP.has(s)) return true;
  const c = s[0]!;
  if (c === '.') return goParsesFloat(s);
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    if (isTimestamp(s)) return true;
    const plain = s.replace(/_/g, '');
    if (goParsesInt(plain)) return true;
    if (YAML_STYLE_FLOAT.test(plain) && goParsesFloat(plain)) return true;
    if (/^-?0b[01]+$/.test(plain) || /^-?0o[0-7]+$/.test(plain)) return true;
  }
  return false;
}

/**
 * Plain words a YAML 1.1 parser reads as something else although yaml.v3 writes them plain: the merge
 * key and the 1.1 timestamp forms (any spacing, fraction or zone).
 */
const YAML11_ONLY = [
  /^<<$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?0b[01_]+$/,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  // YAML 1.1 floats may have no digits around the dot ("." , "-.", "1._").
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$/,
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d?:\d\d?(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
];

/** Characters the document profile always writes escaped in double quotes (lone surrogates included). */
const ESCAPED =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a multi-line string reads back unchanged from a literal block (the document profile;
 * yaml.v3 writes some that do not): no tab, carriage return or non-printable character, no line
 * with trailing spaces, some content besides line breaks, and a first content line that does not
 * start with a space.
 */
function safeLiteral(s: string): boolean {
  const lines = s.split('\n');
  return (
    !/\t/.test(s) &&
    !ESCAPED.test(s) &&
    !lines.some((l) => l.endsWith(' ')) &&
    lines.some((l) => l !== '') &&
    !lines.find((l) => l !== '')!.startsWith(' ')
  );
}

/** Whether yaml.v3 may write the string `s` as a plain (unquoted) scalar, tag-wise. */
export function yamlCanUsePlain(s: string): boolean {
  return !resolvesToNonString(s) && !BASE60_FLOAT.test(s) && !OLD_BOOLS.has(s);
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (emitterc.go yaml_emitter_analyze_scalar)

const enum Style {
  Plain,
  Single,
  Double,
  Literal,
}

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

const isBreakCp = (cp: number) => cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlankCp = (cp: number) => cp === 0x20 || cp === 0x09;
const isBlankzCp = (cp: number | undefined) => cp === undefined || cp === 0 || isBlankCp(cp) || isBreakCp(cp);
const isPrintableCp = (cp: number) =>
  cp === 0x0a ||
  (cp >= 0x20 && cp <= 0x7e) ||
  (cp >= 0xa0 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);

/** `astral`: characters beyond U+FFFF count as printable (the document profile; yaml.v3 escapes them). */
function analyze(cps: number[], astral = false): Analysis {
  if (cps.length === 0) {
    return { multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true, block: false };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let tabCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;

  const n = cps.length;
  if (
    n >= 3 &&
    ((cps[0] === 0x2d && cps[1] === 0x2d && cps[2] === 0x2d) ||
      (cps[0] === 0x2e && cps[1] === 0x2e && cps[2] === 0x2e))
  ) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  for (let i = 0; i < n; i++) {
    const cp = cps[i]!;
    const followedByWhitespace = i + 1 >= n || isBlankCp(cps[i + 1]!);
    const ch = String.fromCodePoint(cp);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (ch === '-') {
        if (followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
    } else {
      if (',?[]{}'.includes(ch)) {
        flowIndicators = true;
      } else if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (ch === '#') {
        if (precededByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
    }
    if (cp === 0x09) tabCharacters = true;
    else if (!isPrintableCp(cp) && !(astral && cp > 0xffff)) specialCharacters = true;

    if (cp === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i + 1 === n) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakCp(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i + 1 === n) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankzCp(cp);
  }

  const a: Analysis = {
    multiline: lineBreaks,
    flowPlain: true,
    blockPlain: true,
    singleQuoted: true,
    block: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    a.flowPlain = false;
    a.blockPlain = false;
  }
  if (trailingSpace) a.block = false;
  if (breakSpace) {
    a.flowPlain = false;
    a.blockPlain = false;
    a.singleQuoted = false;
  }
  if (spaceBreak || tabCharacters || specialCharacters) {
    a.flowPlain = false;
    a.blockPlain = false;
    a.singleQuoted = false;
  }
  if (spaceBreak || specialCharacters) a.block = false;
  if (lineBreaks) {
    a.flowPlain = false;
    a.blockPlain = false;
  }
  if (flowIndicators) a.flowPlain = false;
  if (blockIndicators) a.blockPlain = false;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Emitter

interface Ctx {
  simpleKey: boolean;
  /** The parent pushed BLOCK_SEQUENCE_ITEM_STATE before emitting this node. */
  inSeqItem: boolean;
}

class Emitter {
  private out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private readonly indents: number[] = [];
  private flowLevel = 0;

  constructor(
    private readonly best: number,
    private readonly opts: { sortKeys: boolean; safe: boolean; formatNumber: (v: number) => string },
  ) {}

  result(): string {
    return this.out.join('');
  }

  private put(s: string): void {
    this.out.push(s);
    this.column += 1;
  }

  private putBreak(): void {
    this.out.push('\n');
    this.column = 0;
    this.indention = true;
  }

  private writeBreak(cp: number): void {
    if (cp === 0x0a) {
      this.putBreak();
    } else {
      this.out.push(String.fromCodePoint(cp));
      this.column = 0;
      this.indention = true;
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
  }

  private writeIndicator(
    ind: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.out.push(ind);
    this.column += ind.length;
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private increaseIndent(flow: boolean, inSeqItem: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) {
      this.indent = flow ? this.best : 0;
    } else if (inSeqItem) {
      this.indent += 2;
    } else {
      this.indent = this.best * Math.floor((this.indent + this.best) / this.best);
    }
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  document(value: unknown): void {
    this.node(value, { simpleKey: false, inSeqItem: false });
    // document end: write_indent at indent 0
    this.indent = -1;
    this.writeIndent();
  }

  private node(value: unknown, ctx: Ctx): void {
    if (value === null || value === undefined) return this.scalar('null', Style.Plain, ctx);
    switch (typeof value) {
      case 'boolean':
        return this.scalar(value ? 'true' : 'false', Style.Plain, ctx);
      case 'bigint':
        return this.scalar(value.toString(), Style.Plain, ctx);
      case 'number':
        return this.scalar(this.opts.formatNumber(value), Style.Plain, ctx);
      case 'string':
        return this.string(value, ctx);
      case 'function':
      case 'symbol':
        throw new Error(`cannot marshal type: ${typeof value}`);
    }
    if (value instanceof Date) {
      return this.opts.safe
        ? this.string(value.toISOString(), ctx)
        : this.scalar(value.toISOString(), Style.Plain, ctx);
    }
    if (Array.isArray(value) || value instanceof Uint8Array) return this.sequence(Array.from(value), ctx);
    const obj = value as Record<string, unknown>;
    const m = value instanceof Map ? Object.fromEntries(value) : obj;
    return this.mapping(m as Record<string, unknown>, ctx);
  }

  private string(s: string, ctx: Ctx): void {
    let style: Style;
    if (this.opts.safe) {
      if (s.includes('\n')) style = safeLiteral(s) ? Style.Literal : Style.Double;
      else if (ESCAPED.test(s)) style = Style.Double;
      else if (yamlCanUsePlain(s) && !YAML11_ONLY.some((re) => re.test(s))) style = Style.Plain;
      else style = Style.Double;
    } else if (s.includes('\n')) style = Style.Literal;
    else if (yamlCanUsePlain(s)) style = Style.Plain;
    else style = Style.Double;
    this.scalar(s, style, ctx);
  }

  private scalar(value: string, requested: Style, ctx: Ctx): void {
    const cps = runes(value);
    const a = analyze(cps, this.opts.safe);
    let style = requested;
    if (ctx.simpleKey && a.multiline) style = Style.Double;
    if (style === Style.Plain) {
      if ((this.flowLevel > 0 && !a.flowPlain) || (this.flowLevel === 0 && !a.blockPlain))
        style = Style.Single;
      if (cps.length === 0 && (this.flowLevel > 0 || ctx.simpleKey)) style = Style.Single;
    }
    if (style === Style.Single && !a.singleQuoted) style = Style.Double;
    if (style === Style.Literal && (!a.block || this.flowLevel > 0 || ctx.simpleKey)) style = Style.Double;

    this.increaseIndent(true, ctx.inSeqItem);
    switch (style) {
      case Style.Plain:
        this.writePlain(cps);
        break;
      case Style.Single:
        this.writeSingle(cps);
        break;
      case Style.Double:
        this.writeDouble(cps);
        break;
      case Style.Literal:
        this.writeLiteral(cps);
        break;
    }
    this.popIndent();
  }

  private writePlain(cps: number[]): void {
    if (cps.length > 0 && !this.whitespace) this.put(' ');
    let breaks = false;
    for (const cp of cps) {
      if (cp === 0x20) {
        this.put(' ');
      } else if (isBreakCp(cp)) {
        if (!breaks && cp === 0x0a) this.putBreak();
        this.writeBreak(cp);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(String.fromCodePoint(cp));
        this.indention = false;
        breaks = false;
      }
    }
    if (cps.length > 0) this.whitespace = false;
    this.indention = false;
  }

  private writeSingle(cps: number[]): void {
    this.writeIndicator("'", true, false, false);
    let breaks = false;
    for (const cp of cps) {
      if (cp === 0x20) {
        this.put(' ');
      } else if (isBreakCp(cp)) {
        if (!breaks && cp === 0x0a) this.putBreak();
        this.writeBreak(cp);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (cp === 0x27) this.put("'");
        this.put(String.fromCodePoint(cp));
        this.indention = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDouble(cps: number[]): void {
    this.writeIndicator('"', true, false, false);
    const bom = cps[0] === 0xfeff;
    for (const cp of cps) {
      const printable = isPrintableCp(cp) || (this.opts.safe && cp > 0xffff);
      if (!printable || bom || isBreakCp(cp) || cp === 0x22 || cp === 0x5c) {
        this.put('\\');
        const esc = DOUBLE_ESCAPES.get(cp);
        if (esc !== undefined) {
          this.put(esc);
        } else {
          const [p, w] = cp <= 0xff ? ['x', 2] : cp <= 0xffff ? ['u', 4] : ['U', 8];
          this.put(p + cp.toString(16).toUpperCase().padStart(w, '0'));
        }
      } else {
        this.put(String.fromCodePoint(cp));
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(cps: number[]): void {
    this.writeIndicator('|', true, false, false);
    // The document profile's literals never start with a space (safeLiteral): no indicator needed.
    if (cps.length > 0 && (cps[0] === 0x20 || (isBreakCp(cps[0]!) && !this.opts.safe))) {
      this.writeIndicator(String(this.best), false, false, false);
    }
    let chomp = '';
    if (cps.length === 0) {
      chomp = '-';
    } else if (!isBreakCp(cps[cps.length - 1]!)) {
      chomp = '-';
    } else if (cps.length === 1 || isBreakCp(cps[cps.length - 2]!)) {
      chomp = '+';
    }
    if (chomp) this.writeIndicator(chomp, false, false, false);
    // The header's own line break (the first content break would otherwise stand in for it).
    if (this.opts.safe && cps.length > 0 && isBreakCp(cps[0]!)) this.putBreak();
    this.whitespace = true;
    let breaks = true;
    for (const cp of cps) {
      if (isBreakCp(cp)) {
        this.writeBreak(cp);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(String.fromCodePoint(cp));
        this.indention = false;
        breaks = false;
      }
    }
  }

  private sequence(items: unknown[], ctx: Ctx): void {
    if (items.length === 0 || this.flowLevel > 0) return this.emptyFlow('[', ']', ctx);
    this.increaseIndent(false, ctx.inSeqItem);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { simpleKey: false, inSeqItem: true });
    }
    this.popIndent();
  }

  private mapping(m: Record<string, unknown>, ctx: Ctx): void {
    let keys = Object.keys(m);
    if (this.opts.safe) keys = keys.filter((k) => m[k] !== undefined);
    if (this.opts.sortKeys) keys = yamlSortKeys(keys);
    if (keys.length === 0 || this.flowLevel > 0) return this.emptyFlow('{', '}', ctx);
    this.increaseIndent(false, ctx.inSeqItem);
    for (const key of keys) {
      this.writeIndent();
      const cps = runes(key);
      // The document profile writes multi-line keys double-quoted, never as `? |` blocks.
      const simple = (this.opts.safe || !analyze(cps).multiline) && Buffer.byteLength(key, 'utf8') <= 128;
      if (simple) {
        this.string(key, { simpleKey: true, inSeqItem: false });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.string(key, { simpleKey: false, inSeqItem: false });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(m[key], { simpleKey: false, inSeqItem: false });
    }
    this.popIndent();
  }

  /** Only empty collections are written in flow style by yaml.v3's Marshal. */
  private emptyFlow(open: string, close: string, ctx: Ctx): void {
    this.writeIndicator(open, true, true, false);
    this.increaseIndent(true, ctx.inSeqItem);
    this.popIndent();
    if (this.column === 0) this.writeIndent();
    this.writeIndicator(close, false, false, false);
  }
}

const DOUBLE_ESCAPES = new Map<number, string>([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [0x85, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P'],
]);

/** JavaScript's spelling of a number, with YAML's `.nan` / `.inf`. */
function jsNumber(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
  return String(v);
}

/** `yaml.Marshal(value)` of gopkg.in/yaml.v3 (with the defaults): the YAML text, ending in a newline. */
export function marshalYaml(value: unknown, options: YamlWriterOptions = {}): string {
  let indent = options.indent ?? 4;
  if (indent < 2 || indent > 9) indent = 2;
  const e = new Emitter(indent, {
    sortKeys: options.sortKeys ?? true,
    safe: options.safe ?? false,
    formatNumber: options.formatNumber ?? jsNumber,
  });
  e.document(value);
  return e.result();
}

/** Serializes one aicr document (no `---`), ending with a newline; see the document profile above. */
export function toYaml(value: unknown): string {
  assertWritableDepth(value); // never write what aicr cannot read back
  return marshalYaml(value, { indent: 2, sortKeys: false, safe: true });
}

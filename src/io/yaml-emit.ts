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
import { MAX_DEPTH, tooDeepToWrite } from './limits.js';
import {
  analyze,
  digitWordIsPlain,
  ESCAPED,
  isSimpleScalar,
  letterWordIsPlain,
  isBreakCp,
  isPrintableCp,
  runes,
  safeLiteral,
  YAML11_ONLY,
  yamlCanUsePlain,
  yamlSortKeys,
} from './yaml-scalars.js';

export { yamlKeyLess, yamlSortKeys } from './yaml-scalars.js';

export interface YamlWriterOptions {
  /** Spaces per nesting level, 2..9 (yaml.v3 `Encoder.SetIndent`); default 4 like `yaml.Marshal`. */
  indent?: number;
  /** Keys in yaml.v3's order (default) or, when false, in insertion order. */
  sortKeys?: boolean;
  /** aicr's document profile (see above). Default false (exact yaml.v3 output). */
  safe?: boolean;
  /** Spelling of a (non-bigint) number; default JavaScript's (`1.5`, `1e+21`), `.nan`, `.inf`. */
  formatNumber?: (v: number) => string;
  /**
   * Write every scalar through the full analysis, character by character (no fast path for simple
   * words). The output is the same; the differential test of the fast path compares the two.
   */
  characterwise?: boolean;
}

const enum Style {
  Plain,
  Single,
  Double,
  Literal,
}

// ---------------------------------------------------------------------------------------------
// Emitter

interface Ctx {
  simpleKey: boolean;
  /** The parent pushed BLOCK_SEQUENCE_ITEM_STATE before emitting this node. */
  inSeqItem: boolean;
}

const NODE: Ctx = Object.freeze({ simpleKey: false, inSeqItem: false });
const SEQ_ITEM: Ctx = Object.freeze({ simpleKey: false, inSeqItem: true });
const SIMPLE_KEY: Ctx = Object.freeze({ simpleKey: true, inSeqItem: false });

class Emitter {
  /** The text so far (appended to: V8 builds a rope, flattened once at the end). */
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private readonly indents: number[] = [];
  private flowLevel = 0;
  /** Maps and lists entered (the document profile's depth limit). */
  private depth = 0;

  constructor(
    private readonly best: number,
    private readonly opts: {
      sortKeys: boolean;
      safe: boolean;
      formatNumber: (v: number) => string;
      fast: boolean;
    },
  ) {}

  result(): string {
    return this.out;
  }

  private put(s: string): void {
    this.out += s;
    this.column += 1;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.indention = true;
  }

  private writeBreak(cp: number): void {
    if (cp === 0x0a) {
      this.putBreak();
    } else {
      this.out += String.fromCodePoint(cp);
      this.column = 0;
      this.indention = true;
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak();
    if (this.column < indent) {
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
    this.whitespace = true;
  }

  private writeIndicator(
    ind: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.out += ind;
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
    this.node(value, NODE);
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
      default:
        break;
    }
    if (value instanceof Date) {
      return this.opts.safe
        ? this.string(value.toISOString(), ctx)
        : this.scalar(value.toISOString(), Style.Plain, ctx);
    }
    // The document profile never writes what aicr cannot read back (nothing is written: the text is
    // only returned at the end).
    if (++this.depth > MAX_DEPTH && this.opts.safe) throw tooDeepToWrite();
    if (Array.isArray(value) || value instanceof Uint8Array) this.sequence(Array.from(value), ctx);
    else {
      const m = value instanceof Map ? Object.fromEntries(value) : value;
      this.mapping(m as Record<string, unknown>, ctx);
    }
    this.depth--;
  }

  private string(s: string, ctx: Ctx): void {
    // Fast path (most keys and values): a simple ASCII word starting with a letter is plain unless it
    // is one of the words that read back as a bool or null (the only rules that can match it).
    if (this.opts.fast && this.flowLevel === 0) {
      if (s === '') return this.simpleDouble(s, ctx);
      // Printable ASCII with tabs (sysctl readings): never plain or single-quoted, and nothing but
      // the tabs to escape.
      if (s.includes('\t') && isTabbedAscii(s)) return this.simpleDouble(s.replaceAll('\t', '\\t'), ctx);
    }
    if (this.opts.fast && this.flowLevel === 0 && isSimpleScalar(s)) {
      if (isAsciiLetter(s.charCodeAt(0))) {
        if (letterWordIsPlain(s)) return this.simplePlain(s, ctx);
        return this.simpleDouble(s, ctx);
      }
      if (digitWordIsPlain(s)) return this.simplePlain(s, ctx);
      // Digits only: an integer (or, with a leading 0 and an 8 or 9, a float) to any YAML reader.
      if (isDigits(s)) return this.simpleDouble(s, ctx);
    }
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

  /** A plain scalar known to be simple (isSimpleScalar): written as is, no per-character work. */
  private simplePlain(value: string, ctx: Ctx): void {
    this.increaseIndent(true, ctx.inSeqItem);
    if (!this.whitespace) this.put(' ');
    this.out += value;
    this.column += value.length;
    this.whitespace = false;
    this.indention = false;
    this.popIndent();
  }

  /** A simple scalar (isSimpleScalar: nothing to escape) in double quotes, written as is. */
  private simpleDouble(value: string, ctx: Ctx): void {
    this.increaseIndent(true, ctx.inSeqItem);
    this.writeIndicator('"', true, false, false);
    this.out += value;
    this.column += value.length;
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
    this.popIndent();
  }

  private scalar(value: string, requested: Style, ctx: Ctx): void {
    if (requested === Style.Plain && this.opts.fast && this.flowLevel === 0 && isSimpleScalar(value))
      return this.simplePlain(value, ctx);
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
      this.node(item, SEQ_ITEM);
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
      // The document profile writes multi-line keys double-quoted, never as `? |` blocks. A UTF-16
      // unit is at most 3 UTF-8 bytes, so keys of up to 42 units need no byte count.
      const simple =
        (this.opts.safe || !analyze(runes(key)).multiline) &&
        (key.length <= 42 || Buffer.byteLength(key, 'utf8') <= 128);
      if (simple) {
        this.string(key, SIMPLE_KEY);
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.string(key, NODE);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(m[key], NODE);
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

const isAsciiLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Only tabs and printable ASCII other than `"` and `\\` (what a double-quoted scalar writes as is). */
const TABBED_ASCII = /^[\t\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const isTabbedAscii = (s: string): boolean => TABBED_ASCII.test(s);

const DIGITS = /^[0-9]+$/;
const isDigits = (s: string): boolean => DIGITS.test(s);

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
    fast: !options.characterwise,
  });
  e.document(value);
  return e.result();
}

/** Serializes one aicr document (no `---`), ending with a newline; see the document profile above. */
export function toYaml(value: unknown, options: Pick<YamlWriterOptions, 'characterwise'> = {}): string {
  return marshalYaml(value, { indent: 2, sortKeys: false, safe: true, ...options });
}

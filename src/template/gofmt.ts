/**
 * A port of the parts of Go's `fmt` and `strconv` that templates reach: `%v` printing of values
 * (`fmt.Sprint`), `Sprintf` with the common verbs, `strconv.Quote` and `strconv.FormatFloat`.
 * Floats are formatted exactly (round half to even on the binary value), as Go does.
 */
import { goTypeName, isDict, isGoInt, isNil, sortedKeys } from './values.js';

// ---------------------------------------------------------------------------------------------
// Floats

/** Decimal digits of |x|: value = 0.<digits> × 10^dp; `digits` has no trailing zeros. */
interface Decimal {
  digits: string;
  dp: number;
}

function trimZeros(d: Decimal): Decimal {
  let end = d.digits.length;
  while (end > 0 && d.digits[end - 1] === '0') end--;
  if (end === 0) return { digits: '', dp: 0 };
  return { digits: d.digits.slice(0, end), dp: d.dp };
}

/** Shortest digits that round-trip (what Go's `FormatFloat(x, _, -1, 64)` uses). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const s = Math.abs(x).toExponential();
  const [mant, exp] = s.split('e');
  return trimZeros({ digits: mant!.replace('.', ''), dp: Number(exp) + 1 });
}

/** x = mant × 2^exp exactly. */
function decompose(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

/** round(|x| × 10^k) to an integer, ties to even, exactly. */
function scaleRound(x: number, k: number): bigint {
  const { mant, exp } = decompose(x);
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** Digits of |x| rounded to `n` fractional digits. */
function fixedDecimal(x: number, n: number): Decimal {
  const q = scaleRound(x, n);
  if (q === 0n) return { digits: '', dp: 0 };
  const s = q.toString();
  return trimZeros({ digits: s, dp: s.length - n });
}

/** Digits of |x| rounded to `n` significant digits. */
function significantDecimal(x: number, n: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  let e10 = shortestDecimal(x).dp - 1;
  for (let tries = 0; tries < 3; tries++) {
    const q = scaleRound(x, n - 1 - e10);
    const s = q.toString();
    if (s.length > n) {
      e10++;
      continue;
    }
    if (s.length < n && q !== 0n) {
      e10--;
      continue;
    }
    return trimZeros({ digits: s, dp: e10 + 1 });
  }
  const s = scaleRound(x, n - 1 - e10).toString();
  return trimZeros({ digits: s, dp: e10 + 1 });
}

function fmtE(neg: boolean, d: Decimal, prec: number, e: string): string {
  let out = neg ? '-' : '';
  out += d.digits.length ? d.digits[0] : '0';
  if (prec > 0) {
    out += '.';
    const more = d.digits.slice(1, prec + 1);
    out += more + '0'.repeat(prec - more.length);
  }
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return out + e + sign + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.digits.length, d.dp);
    out += d.digits.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

/** Go's `strconv.FormatFloat(x, fmt, prec, 64)` for fmt in e, E, f, g, G. */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(x);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else if (fmt === 'e' || fmt === 'E') {
    d = significantDecimal(x, prec + 1);
  } else if (fmt === 'f') {
    d = fixedDecimal(x, prec);
  } else {
    if (prec === 0) prec = 1;
    d = significantDecimal(x, prec);
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, d, prec, fmt);
    case 'f':
      return fmtF(neg, d, prec);
    default: {
      let eprec = prec;
      const nd = d.digits.length;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = nd;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Quoting

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function isGoPrintable(cp: number): boolean {
  // Approximates unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

/** Go's `strconv.Quote` (quote char `"`) or the rune form (quote char `'`). */
export function goQuote(s: string, quote: '"' | "'" = '"', asciiOnly = false): string {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') {
      out += '\\' + ch;
      continue;
    }
    if (cp < 0x80 ? cp >= 0x20 && cp !== 0x7f : !asciiOnly && isGoPrintable(cp)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
        else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
        else if (cp <= 0xffff) out += '\\u' + hex(cp, 4);
        else out += '\\U' + hex(cp, 8);
    }
  }
  return out + quote;
}

// ---------------------------------------------------------------------------------------------
// %v and friends

/** `fmt.Sprint(v)` for one value: what `{{ . }}` prints and what `%v` gives. */
export function formatValue(v: unknown): string {
  if (isNil(v)) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return isGoInt(v) ? String(v) : formatFloat(v, 'g', -1);
    case 'function':
      return '<func>';
    default:
      break;
  }
  if (v instanceof Uint8Array) return '[' + Array.from(v).join(' ') + ']';
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(' ') + ']';
  if (isDict(v)) {
    return (
      'map[' +
      sortedKeys(v)
        .map((k) => `${k}:${formatValue(v[k])}`)
        .join(' ') +
      ']'
    );
  }
  return String(v);
}

/** `fmt.Sprint(args...)`: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(args[i]);
  }
  return out;
}

/** `fmt.Sprintln(args...)`: always spaces, then a newline. */
export function sprintln(args: unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, spec: Spec, allowZero = true): string {
  const width = spec.width;
  const len = [...s].length;
  if (width === undefined || len >= width) return s;
  const n = width - len;
  if (spec.minus) return s + ' '.repeat(n);
  if (spec.zero && allowZero) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (isNil(v)) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function signed(s: string, neg: boolean, spec: Spec): string {
  if (neg) return '-' + s;
  if (spec.plus) return '+' + s;
  if (spec.space) return ' ' + s;
  return s;
}

function formatInt(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp) prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
    return pad(signed(prefix + digits, neg, spec), spec, false);
  }
  return pad(signed(prefix + digits, neg, spec), spec);
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && isGoInt(v)) return BigInt(String(v));
  return undefined;
}

function formatFloatVerb(x: number, verb: string, spec: Spec): string {
  let f: 'e' | 'E' | 'f' | 'g' | 'G';
  let prec: number;
  switch (verb) {
    case 'v':
    case 'g':
      f = 'g';
      prec = -1;
      break;
    case 'G':
      f = 'G';
      prec = -1;
      break;
    case 'e':
    case 'E':
      f = verb;
      prec = 6;
      break;
    default:
      f = 'f';
      prec = 6;
  }
  if (spec.prec !== undefined) prec = spec.prec;
  let s = formatFloat(x, f, prec);
  if (s === '+Inf' || s === '-Inf' || s === 'NaN') {
    if (s === '+Inf') s = spec.plus ? '+Inf' : spec.space ? ' Inf' : 'Inf';
    return pad(s, spec, false);
  }
  if (s[0] !== '-') {
    if (spec.plus) s = '+' + s;
    else if (spec.space) s = ' ' + s;
  }
  return pad(s, spec);
}

function formatString(s: string, verb: string, spec: Spec): string {
  if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('');
  switch (verb) {
    case 'q':
      return pad(spec.sharp && !s.includes('`') ? '`' + s + '`' : goQuote(s, '"', spec.plus), spec);
    case 'x':
    case 'X': {
      let h = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') h = h.toUpperCase();
      return pad(h, spec);
    }
    default:
      return pad(s, spec);
  }
}

/** One operand under one verb, as Go's `fmt` prints it (`nested`: inside a list or map). */
function formatArg(v: unknown, verb: string, spec: Spec, nested = false): string {
  if (verb === 'T') return pad(goTypeName(v), spec);
  if (isNil(v)) {
    if (nested) return '<nil>';
    if (verb === 'v' || verb === 's') return verb === 'v' ? pad('<nil>', spec) : badVerb(verb, v);
    return badVerb(verb, v);
  }
  if (typeof v === 'boolean') {
    if (verb === 'v' || verb === 't') return pad(v ? 'true' : 'false', spec);
    return badVerb(verb, v);
  }
  const big = toBigInt(v);
  if (big !== undefined) {
    switch (verb) {
      case 'v':
      case 'd':
      case 'b':
      case 'o':
      case 'O':
      case 'x':
      case 'X':
        return formatInt(big, verb, spec);
      case 'c':
        return pad(String.fromCodePoint(Number(big)), spec);
      case 'q':
        return pad(goQuote(String.fromCodePoint(Number(big)), "'"), spec);
      case 'U': {
        const h = 'U+' + Number(big).toString(16).toUpperCase().padStart(4, '0');
        return pad(h, spec);
      }
      // JavaScript cannot tell 1.0 from 1: integral numbers accept the float verbs too.
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        return formatFloatVerb(Number(big), verb, spec);
      default:
        return badVerb(verb, v);
    }
  }
  if (typeof v === 'number') {
    switch (verb) {
      case 'v':
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        return formatFloatVerb(v, verb, spec);
      default:
        return badVerb(verb, v);
    }
  }
  if (typeof v === 'string') {
    switch (verb) {
      case 'v':
      case 's':
      case 'q':
      case 'x':
      case 'X':
        return formatString(v, verb, spec);
      default:
        return badVerb(verb, v);
    }
  }
  if (Array.isArray(v)) {
    return '[' + v.map((e) => formatArg(e, verb, spec, true)).join(' ') + ']';
  }
  if (isDict(v)) {
    const parts = sortedKeys(v).map(
      (k) => `${formatArg(k, verb, spec, true)}:${formatArg(v[k], verb, spec, true)}`,
    );
    return 'map[' + parts.join(' ') + ']';
  }
  return pad(formatValue(v), spec);
}

/** Go's `tooLarge`: widths and precisions beyond ±1e6 are refused, as fmt does. */
function tooLarge(x: number): boolean {
  const max = 1e6;
  return x > max || x < -max;
}

/** Go's `parsenum`: digits at `i`; on overflow (tooLarge) `ok` is false and `next` is the end. */
function parseNum(s: string, i: number, end: number): { num: number; ok: boolean; next: number } {
  let num = 0;
  let ok = false;
  let j = i;
  for (; j < end && s[j]! >= '0' && s[j]! <= '9'; j++) {
    if (tooLarge(num)) return { num: 0, ok: false, next: end };
    num = num * 10 + (s.charCodeAt(j) - 48);
    ok = true;
  }
  return { num, ok, next: j };
}

/**
 * Go's `fmt.Sprintf`. With `maxLength`, returns undefined as soon as the result would exceed it
 * (template output bounds).
 */
export function sprintf(format: string, args: unknown[]): string;
export function sprintf(format: string, args: unknown[], maxLength: number): string | undefined;
export function sprintf(format: string, args: unknown[], maxLength = Infinity): string | undefined {
  let out = '';
  let argi = 0;
  const n = format.length;
  let i = 0;
  while (i < n) {
    if (out.length > maxLength) return undefined;
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '-':
          spec.minus = true;
          spec.zero = false;
          break;
        case '+':
          spec.plus = true;
          break;
        case '#':
          spec.sharp = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        default:
          break flags;
      }
    }
    // width
    if (format[i] === '*') {
      i++;
      const w = args[argi++];
      if (typeof w === 'number' && Number.isSafeInteger(w) && !tooLarge(w)) {
        spec.width = Math.abs(w);
        if (w < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      } else {
        out += '%!(BADWIDTH)';
      }
    } else {
      const w = parseNum(format, i, n);
      i = w.next;
      if (w.ok) spec.width = w.num;
    }
    // precision
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argi++];
        if (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0 && !tooLarge(p)) spec.prec = p;
        else out += '%!(BADPREC)';
      } else {
        const p = parseNum(format, i, n);
        i = p.next;
        spec.prec = p.ok ? p.num : 0;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argi++], verb, spec);
  }
  if (out.length > maxLength) return undefined;
  if (argi < args.length) {
    const extra = args.slice(argi).map((a) => (isNil(a) ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

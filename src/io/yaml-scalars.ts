/**
 * Scalar rules of the YAML writer (yaml-emit.ts), ported from gopkg.in/yaml.v3 v3.0.1: map key order
 * (sorter.go), plain-scalar resolution (resolve.go: would a plain string read back as another type?),
 * scalar analysis (emitterc.go yaml_emitter_analyze_scalar), plus the extra rules of aicr's
 * document profile (YAML 1.1 forms, escaped characters, literal blocks that read back unchanged).
 */
// ---------------------------------------------------------------------------------------------
// Key order (yaml.v3 sorter.go, for string keys)

// Unicode property classes cost a noticeable part of a millisecond to build: built on first use
// (sorting keys), not when the writer loads.
let LETTER: RegExp | undefined;
let DIGIT: RegExp | undefined;
const isLetter = (cp: number) => (LETTER ??= /\p{L}/u).test(String.fromCodePoint(cp));
const isDigit = (cp: number) => (DIGIT ??= /\p{Nd}/u).test(String.fromCodePoint(cp));

export function runes(s: string): number[] {
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
export const YAML11_ONLY = [
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
export const ESCAPED =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a multi-line string reads back unchanged from a literal block (the document profile;
 * yaml.v3 writes some that do not): no tab, carriage return or non-printable character, no line
 * with trailing spaces, some content besides line breaks, and a first content line that does not
 * start with a space.
 */
export function safeLiteral(s: string): boolean {
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

/**
 * Whether a word that starts with an ASCII letter may be written plain: such a word can only read
 * back as a bool or null (every number, timestamp and YAML 1.1 form starts with a digit, sign, dot
 * or `<`), so `yamlCanUsePlain` and the YAML 1.1 rules reduce to two set lookups.
 */
export function letterWordIsPlain(s: string): boolean {
  return !RESOLVE_MAP.has(s) && !OLD_BOOLS.has(s);
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (emitterc.go yaml_emitter_analyze_scalar)

/**
 * The writer's fast path: a non-empty string of ASCII letters, digits, `_ . / + -`, inner single
 * spaces and inner colons not followed by a space, which `analyze` finds plain in block context (no
 * indicator, break, tab or special character, no leading or trailing space, not `-`, `- …`, `---…`
 * or `...…`) and which is written character for character. Whether it is plain tag-wise is decided
 * separately (letterWordIsPlain, digitWordIsPlain).
 */
export function isSimpleScalar(s: string): boolean {
  // One regular expression (a native scan) rather than a loop over the characters: the writer runs
  // mostly before the JIT has warmed up.
  if (s.length > 1024 || !SIMPLE.test(s)) return false;
  const c0 = s.charCodeAt(0);
  if (c0 === 0x2d) {
    // "-" alone or followed by a space is a sequence indicator; "---" starts a document
    if (s.length === 1 || s.charCodeAt(1) === 0x20 || s.startsWith('---')) return false;
  }
  return !(c0 === 0x2e && s.startsWith('...'));
}
const SIMPLE = /^[A-Za-z0-9_./+-](?:[A-Za-z0-9_./+ -]|:(?! ))*(?<![ :])$/;

/**
 * Whether a simple scalar (isSimpleScalar) that does not start with a letter is certainly a string:
 * with two dots or a slash it is no number, timestamp or sexagesimal (YAML 1.1 or 1.2; timestamps
 * may hold spaces and one dot).
 */
export function digitWordIsPlain(s: string): boolean {
  const dot = s.indexOf('.');
  return (dot >= 0 && s.indexOf('.', dot + 1) > 0) || s.includes('/');
}

export interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

export const isBreakCp = (cp: number) =>
  cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlankCp = (cp: number) => cp === 0x20 || cp === 0x09;
const isBlankzCp = (cp: number | undefined) => cp === undefined || cp === 0 || isBlankCp(cp) || isBreakCp(cp);
export const isPrintableCp = (cp: number) =>
  cp === 0x0a ||
  (cp >= 0x20 && cp <= 0x7e) ||
  (cp >= 0xa0 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);

/** `astral`: characters beyond U+FFFF count as printable (the document profile; yaml.v3 escapes them). */
export function analyze(cps: number[], astral = false): Analysis {
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

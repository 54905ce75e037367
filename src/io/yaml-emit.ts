/**
 * A small, dependency-free YAML emitter for plain data (maps, lists, scalars), in the style of Go's
 * yaml.v3 encoder with 2-space indentation: block style everywhere, sequences indented under their
 * key, strings that would re-read as another type double-quoted ("24.04", "true"), other strings
 * that cannot be plain single-quoted ('>= 1.30'), multi-line strings as literal blocks.
 * Key order is the object's insertion order: callers sort where order carries no meaning.
 * Kept separate from the `yaml` package so that writing a document does not load a YAML parser.
 */

import { assertWritableDepth } from './limits.js';

const RESOLVES_AS_OTHER = [
  /^(?:null|Null|NULL|~)$/,
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  // YAML 1.1 booleans: quoted so that older parsers read them back as strings too.
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?0[0-7_]+$/,
  /^0o[0-7]+$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?0b[01_]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  // YAML 1.1 floats may have no digits around the dot ("." , "-.", "1._").
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d?:\d\d?(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  // The YAML 1.1 merge key: quoted so that a key named "<<" is not merged by 1.1 parsers.
  /^<<$/,
];

function resolvesAsOther(s: string): boolean {
  return RESOLVES_AS_OTHER.some((re) => re.test(s));
}

// Lone surrogates (no valid UTF-8 form) are escaped too, so that the text survives being written out.
const NON_PRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function canBePlain(s: string): boolean {
  if (s === '') return false;
  if (/^[\s]|[\s]$/.test(s)) return false;
  if (/[\n\r\t]/.test(s)) return false;
  if (NON_PRINTABLE.test(s)) return false;
  const first = s[0];
  if ('[]{},#&*!|>\'"%@`'.includes(first)) return false;
  if ((first === '-' || first === '?' || first === ':') && (s.length === 1 || s[1] === ' ')) return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false;
  return true;
}

function doubleQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f || NON_PRINTABLE.test(ch)) {
      out += c <= 0xff ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** Scalar string in flow position (a key or a value on the same line). */
export function quoteScalar(s: string): string {
  if (canBePlain(s)) return resolvesAsOther(s) ? doubleQuote(s) : s;
  if (/[\n\r\t]/.test(s) || NON_PRINTABLE.test(s)) return doubleQuote(s);
  if (s === '') return '""';
  return "'" + s.replace(/'/g, "''") + "'";
}

function literalBlock(s: string, indent: string): string | undefined {
  if (NON_PRINTABLE.test(s) || s.includes('\r') || s.includes('\t')) return undefined;
  const lines = s.split('\n');
  // Trailing spaces would not survive a literal block; a first non-empty line starting with a space
  // would set the block's indentation (and lose its leading spaces).
  if (lines.some((l) => / $/.test(l))) return undefined;
  if (lines.find((l) => l !== '')?.startsWith(' ')) return undefined;
  let chomp = '-';
  let body = lines;
  if (s.endsWith('\n')) {
    body = lines.slice(0, -1);
    chomp = '';
    // "Clip" keeps one final line break only after content: keep them all when there is no content.
    if (s.endsWith('\n\n') || body.every((l) => l === '')) chomp = '+';
  }
  return `|${chomp}\n` + body.map((l) => (l === '' ? '' : indent + l)).join('\n');
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return String(v);
  }
  if (v instanceof Date) return quoteScalar(v.toISOString());
  return quoteScalar(String(v));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

function emitValueAfterKey(v: unknown, indent: string, out: string[]): void {
  // Appends to the last line (which ends with "key:" or "- ") or adds nested lines.
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out[out.length - 1] += ' []';
      return;
    }
    emitSeq(v, indent + '  ', out);
    return;
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) {
      out[out.length - 1] += ' {}';
      return;
    }
    emitMap(v, indent + '  ', out);
    return;
  }
  if (typeof v === 'string' && v.includes('\n')) {
    const block = literalBlock(v, indent + '  ');
    if (block !== undefined) {
      out[out.length - 1] += ' ' + block;
      return;
    }
  }
  out[out.length - 1] += ' ' + scalar(v);
}

function emitMap(obj: Record<string, unknown>, indent: string, out: string[], firstInline = false): void {
  let first = true;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    // Like yaml.v3, keys longer than 128 bytes use the explicit form "? key" / ": value"
    // (parsers limit implicit keys to 1024 characters).
    const explicit = Buffer.byteLength(k, 'utf8') > 128;
    const key = explicit ? '? ' + quoteScalar(k) : quoteScalar(k) + ':';
    if (first && firstInline) out[out.length - 1] += key;
    else out.push(indent + key);
    if (explicit) out.push(indent + ':');
    first = false;
    emitValueAfterKey(v, indent, out);
  }
}

function emitSeq(arr: unknown[], indent: string, out: string[]): void {
  for (const item of arr) {
    out.push(indent + '-');
    if (isPlainObject(item)) {
      const keys = Object.keys(item).filter((k) => item[k] !== undefined);
      if (keys.length === 0) {
        out[out.length - 1] += ' {}';
        continue;
      }
      out[out.length - 1] += ' ';
      emitMap(item, indent + '  ', out, true);
    } else if (Array.isArray(item)) {
      if (item.length === 0) out[out.length - 1] += ' []';
      else {
        // Nested sequence: "- - a" style is valid but rare; emit on following lines.
        emitSeq(item, indent + '  ', out);
      }
    } else {
      emitValueAfterKey(item, indent, out);
    }
  }
}

/** Serializes plain data as one YAML document (no `---`), ending with a newline. */
export function toYaml(value: unknown): string {
  assertWritableDepth(value); // never write what aicr cannot read back
  const out: string[] = [];
  if (isPlainObject(value)) {
    if (Object.keys(value).filter((k) => value[k] !== undefined).length === 0) return '{}\n';
    emitMap(value, '', out);
  } else if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    emitSeq(value, '', out);
  } else {
    if (typeof value === 'string' && value.includes('\n')) {
      const block = literalBlock(value, '  ');
      if (block !== undefined) return block + '\n';
    }
    return scalar(value) + '\n';
  }
  return out.join('\n') + '\n';
}

/**
 * Reads the few fields the cluster collectors use straight from the bytes of one JSON list page, without
 * building objects for the rest (issue 16: JSON.parse of 100,000 pods was most of a snapshot's CPU time
 * and all of its garbage).
 *
 * The page is checked as strictly as JSON.parse checks it (one value, objects, arrays, strings with valid
 * escapes and no control characters, numbers, literals, nothing after the value); a malformed page is a
 * SyntaxError naming the byte offset. Values are what JSON.parse would give: escapes decoded, invalid
 * UTF-8 replaced by U+FFFD, and of a key given twice in one object the last value counts. A field of
 * another type than expected is treated as absent. Nesting deeper than MAX_DEPTH is refused (Go's
 * encoding/json, which the API server uses, refuses it too). Strings are skipped with a native byte
 * search, so the scan costs a fraction of a full parse; keys and values are kept in Maps and arrays,
 * never as object properties.
 */

/** Deepest nesting accepted (as Go's encoding/json). */
export const MAX_DEPTH = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

/** Kinds of value at the cursor, as returned by `Scanner.kind()`. */
const enum Kind {
  Object,
  Array,
  String,
  Other,
}

class Scanner {
  i = 0;
  private stack = new Uint8Array(64);

  constructor(private readonly b: Buffer) {}

  fail(what: string): never {
    throw new SyntaxError(`list page: ${what} at byte ${this.i}`);
  }

  /** Skips whitespace; the byte at the cursor (-1 at the end). */
  ws(): number {
    const b = this.b;
    let i = this.i;
    let c = i < b.length ? b[i]! : -1;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++i < b.length ? b[i]! : -1;
    this.i = i;
    return c;
  }

  kind(): Kind {
    const c = this.ws();
    return c === OPEN_OBJ
      ? Kind.Object
      : c === OPEN_ARR
        ? Kind.Array
        : c === QUOTE
          ? Kind.String
          : Kind.Other;
  }

  /**
   * At an opening quote: moves past the string (its closing quote found with a native byte search; an
   * odd run of backslashes before a quote escapes it). Its contents are not checked: see `string()`.
   */
  private skipString(): void {
    this.i = this.stringEnd(this.i + 1) + 1;
  }

  /**
   * The index of the closing quote of the string whose contents start at `start`, checked as JSON.parse
   * checks strings: no control characters, valid escapes.
   */
  private stringEnd(start: number): number {
    const b = this.b;
    let k = start;
    for (;;) {
      // The plain run first (bytes past the end read as undefined and stop it).
      let c = b[k];
      while (c !== undefined && (c > QUOTE ? c !== BACKSLASH : c >= 0x20 && c !== QUOTE)) c = b[++k];
      if (c === undefined) c = -1;
      if (c === QUOTE) return k;
      if (c === BACKSLASH) {
        const e = b[k + 1];
        if (e === 0x75) {
          for (let h = 2; h < 6; h++) {
            const x = (b[k + h] ?? 0) | 0x20;
            if (!((x >= 0x30 && x <= 0x39) || (x >= 0x61 && x <= 0x66))) {
              this.i = k;
              this.fail('invalid \\u escape');
            }
          }
          k += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          k += 2;
        } else {
          this.i = k;
          this.fail('invalid escape');
        }
      } else if (c < 0x20) {
        this.i = k;
        this.fail(c < 0 ? 'unterminated string' : 'control character in string');
      } else {
        k++;
      }
    }
  }

  /**
   * At an opening quote: the decoded string, checked as JSON.parse checks it (no control characters,
   * valid escapes).
   */
  string(): string {
    const b = this.b;
    const start = this.i;
    this.skipString();
    const end = this.i - 1;
    for (let k = start + 1; k < end; k++) {
      const c = b[k]!;
      if (c === BACKSLASH || c < 0x20) {
        try {
          return JSON.parse(b.toString('utf8', start, end + 1)) as string;
        } catch {
          this.i = k;
          this.fail(c < 0x20 ? 'control character in string' : 'invalid escape');
        }
      }
    }
    return b.toString('utf8', start + 1, end);
  }

  /** The string at the cursor, or undefined (the value skipped) when the value is not a string. */
  stringOrSkip(): string | undefined {
    if (this.kind() === Kind.String) return this.string();
    this.skip();
    return undefined;
  }

  private expect(c: number, what: string): void {
    if (this.ws() !== c) this.fail(`expected ${what}`);
    this.i++;
  }

  private literal(text: string): void {
    const b = this.b;
    for (let k = 0; k < text.length; k++) {
      if (b[this.i + k] !== text.charCodeAt(k)) this.fail('invalid literal');
    }
    this.i += text.length;
  }

  private digits(): number {
    const b = this.b;
    const from = this.i;
    while (this.i < b.length && b[this.i]! >= 0x30 && b[this.i]! <= 0x39) this.i++;
    return this.i - from;
  }

  /** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
  private number(): void {
    const b = this.b;
    if (b[this.i] === 0x2d) this.i++;
    if (b[this.i] === 0x30) this.i++;
    else if (this.digits() === 0) this.fail('invalid value');
    if (b[this.i] === 0x2e) {
      this.i++;
      if (this.digits() === 0) this.fail('invalid number');
    }
    if ((b[this.i]! | 0x20) === 0x65) {
      this.i++;
      if (b[this.i] === 0x2b || b[this.i] === 0x2d) this.i++;
      if (this.digits() === 0) this.fail('invalid number');
    }
  }

  /** A scalar value (not object or array) at the cursor. */
  private scalar(c: number): void {
    if (c === QUOTE) this.skipString();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.number();
    else this.fail(c < 0 ? 'unexpected end' : 'invalid value');
  }

  /** An object key and its colon; the cursor is then at the value. */
  private key(): void {
    if (this.ws() !== QUOTE) this.fail('expected a key');
    this.skipString();
    this.expect(COLON, "':'");
  }

  /**
   * Skips one value of any kind, checking it (iteratively: depth costs no call stack). One loop with
   * the cursor in a local: this is where a scan spends its time.
   */
  skip(): void {
    if (this.ws() === QUOTE) {
      this.skipString();
      return;
    }
    const b = this.b;
    const len = b.length;
    let stack = this.stack;
    let depth = 0;
    let i = this.i;
    let c = 0;
    // States: 0 = a value is expected, 1 = a key is expected, 2 = after a value.
    let state = 0;
    for (;;) {
      c = i < len ? b[i]! : -1;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = ++i < len ? b[i]! : -1;
      if (state === 2) {
        if (depth === 0) {
          this.i = i;
          return;
        }
        const close = stack[depth - 1]!;
        if (c === COMMA) {
          i++;
          state = close === CLOSE_OBJ ? 1 : 0;
        } else if (c === close) {
          i++;
          depth--;
        } else {
          this.i = i;
          this.fail(close === CLOSE_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        continue;
      }
      if (c === QUOTE) {
        i = this.stringEnd(i + 1) + 1;
        if (state === 1) {
          while ((c = i < len ? b[i]! : -1) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
          if (c !== COLON) {
            this.i = i;
            this.fail("expected ':'");
          }
          i++;
          state = 0;
        } else {
          state = 2;
        }
        continue;
      }
      this.i = i;
      if (state === 1) this.fail('expected a key');
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
        i++;
        if (depth >= stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          this.stack = stack = grown;
        }
        const close = c === OPEN_OBJ ? CLOSE_OBJ : CLOSE_ARR;
        stack[depth++] = close;
        while ((c = i < len ? b[i]! : -1) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
        if (c === close) {
          i++;
          depth--;
          state = 2;
        } else {
          state = close === CLOSE_OBJ ? 1 : 0;
        }
        continue;
      }
      this.scalar(c);
      i = this.i;
      state = 2;
    }
  }

  /**
   * At an object: calls `onKey` for each key with the cursor at its value, with the key's index in
   * `keys` (-1 when it is none of them); `onKey` must consume the value (read it or `skip()`). Keys are
   * compared as bytes (an escaped key is decoded first), so unused keys cost no string.
   */
  object(keys: Keys, onKey: (key: number) => void): void {
    this.expect(OPEN_OBJ, "'{'");
    if (this.ws() === CLOSE_OBJ) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.ws() !== QUOTE) this.fail('expected a key');
      const start = this.i + 1;
      this.skipString();
      const at = this.match(keys, start, this.i - 1);
      this.expect(COLON, "':'");
      onKey(at);
      const c = this.ws();
      this.i++;
      if (c === CLOSE_OBJ) return;
      if (c !== COMMA) {
        this.i--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  /** Index in `keys` of the key text in bytes [start, end), or -1. */
  private match(keys: Keys, start: number, end: number): number {
    const b = this.b;
    const len = end - start;
    for (let n = 0; n < keys.bytes.length; n++) {
      const want = keys.bytes[n]!;
      if (want.length !== len) continue;
      let k = 0;
      while (k < len && b[start + k] === want[k]) k++;
      if (k === len) return n;
    }
    for (let k = start; k < end; k++) {
      if (b[k] === BACKSLASH) {
        const after = this.i;
        this.i = start - 1;
        const key = this.string();
        this.i = after;
        return keys.names.indexOf(key);
      }
    }
    return -1;
  }

  /** At an object: calls `onKey` with each key as a string (for maps such as labels). */
  entries(onKey: (key: string) => void): void {
    this.expect(OPEN_OBJ, "'{'");
    if (this.ws() === CLOSE_OBJ) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.ws() !== QUOTE) this.fail('expected a key');
      const key = this.string();
      this.expect(COLON, "':'");
      onKey(key);
      const c = this.ws();
      this.i++;
      if (c === CLOSE_OBJ) return;
      if (c !== COMMA) {
        this.i--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  /** At an array: calls `onItem` for each element with the cursor at it; `onItem` must consume it. */
  array(onItem: () => void): void {
    this.expect(OPEN_ARR, "'['");
    if (this.ws() === CLOSE_ARR) {
      this.i++;
      return;
    }
    for (;;) {
      onItem();
      const c = this.ws();
      this.i++;
      if (c === CLOSE_ARR) return;
      if (c !== COMMA) {
        this.i--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  /** The object at the cursor via `object`, or the value skipped when it is not an object. */
  objectOrSkip(keys: Keys, onKey: (key: number) => void): boolean {
    if (this.kind() !== Kind.Object) {
      this.skip();
      return false;
    }
    this.object(keys, onKey);
    return true;
  }

  /** The object at the cursor via `entries`, or the value skipped when it is not an object. */
  entriesOrSkip(onKey: (key: string) => void): boolean {
    if (this.kind() !== Kind.Object) {
      this.skip();
      return false;
    }
    this.entries(onKey);
    return true;
  }

  /** The array at the cursor via `array`, or the value skipped when it is not an array. */
  arrayOrSkip(onItem: () => void): boolean {
    if (this.kind() !== Kind.Array) {
      this.skip();
      return false;
    }
    this.array(onItem);
    return true;
  }

  end(): void {
    if (this.ws() !== -1) this.fail('unexpected data after the list');
  }
}

/** Keys an `object` call looks for: their names and their UTF-8 bytes. */
export interface Keys {
  names: readonly string[];
  bytes: readonly Uint8Array[];
}

export function keys(...names: string[]): Keys {
  return { names, bytes: names.map((n) => Buffer.from(n, 'utf8')) };
}

/** What a list page holds for a collector: its items as `T` and its continue token. */
export interface ScannedPage<T> {
  items: T[];
  continue?: string;
}

const LIST_KEYS = keys('items', 'metadata');
const CONTINUE_KEYS = keys('continue');

/**
 * Scans a list page: a JSON object whose `items` array is read by `item` (called with the cursor at
 * each element; it must consume it) and whose `metadata.continue` is returned. Anything that is not an
 * object is refused (SyntaxError); a missing or non-array `items` is an empty page.
 */
export function scanList<T>(page: Buffer, item: (s: Scanner) => T): ScannedPage<T> {
  const s = new Scanner(page);
  let items: T[] = [];
  let cont: string | undefined;
  if (s.kind() !== Kind.Object) s.fail('a list page must be a JSON object');
  s.object(LIST_KEYS, (key) => {
    if (key === 0) {
      const these: T[] = [];
      items = s.arrayOrSkip(() => these.push(item(s))) ? these : [];
    } else if (key === 1) {
      let c: string | undefined;
      s.objectOrSkip(CONTINUE_KEYS, (k) => {
        if (k === 0) c = s.stringOrSkip();
        else s.skip();
      });
      cont = c;
    } else {
      s.skip();
    }
  });
  s.end();
  return { items, continue: cont || undefined };
}

export type { Scanner };

const POD_KEYS = keys('spec');
const POD_SPEC_KEYS = keys('containers', 'initContainers', 'ephemeralContainers');
const CONTAINER_KEYS = keys('image');

/** Images of one pod: spec.containers, spec.initContainers, spec.ephemeralContainers, in that order. */
export function scanPodImages(s: Scanner): string[] {
  let lists: string[][] = [[], [], []];
  s.objectOrSkip(POD_KEYS, (key) => {
    if (key !== 0) return s.skip();
    const spec: string[][] = [[], [], []];
    s.objectOrSkip(POD_SPEC_KEYS, (k) => {
      if (k < 0) return s.skip();
      const images: string[] = [];
      s.arrayOrSkip(() => {
        let image: string | undefined;
        s.objectOrSkip(CONTAINER_KEYS, (ck) => {
          if (ck === 0) image = s.stringOrSkip();
          else s.skip();
        });
        if (image !== undefined) images.push(image);
      });
      spec[k] = images;
    });
    lists = spec;
  });
  return lists[0]!.concat(lists[1]!, lists[2]!);
}

/** What the topology collector keeps of a Node. */
export interface ScannedNode {
  name: string;
  /** Labels with string values, in first-appearance order (a repeated key keeps its last value). */
  labels: Map<string, string>;
  taints: { key: string; value: string; effect: string }[];
}

const NODE_KEYS = keys('metadata', 'spec');
const NODE_META_KEYS = keys('name', 'labels');
const NODE_SPEC_KEYS = keys('taints');
const TAINT_KEYS = keys('key', 'value', 'effect');

/** metadata.name, metadata.labels and spec.taints of one Node. */
export function scanNode(s: Scanner): ScannedNode {
  let name = '';
  let labels = new Map<string, string>();
  let taints: ScannedNode['taints'] = [];
  s.objectOrSkip(NODE_KEYS, (key) => {
    if (key === 0) {
      let n = '';
      let l = new Map<string, string>();
      s.objectOrSkip(NODE_META_KEYS, (k) => {
        if (k === 0) n = s.stringOrSkip() ?? '';
        else if (k === 1) {
          const these = new Map<string, string | undefined>();
          l = s.entriesOrSkip((lk) => these.set(lk, s.stringOrSkip())) ? labelMap(these) : new Map();
        } else s.skip();
      });
      name = n;
      labels = l;
    } else if (key === 1) {
      let t: ScannedNode['taints'] = [];
      s.objectOrSkip(NODE_SPEC_KEYS, (k) => {
        if (k < 0) return s.skip();
        const these: ScannedNode['taints'] = [];
        t = s.arrayOrSkip(() => {
          const taint = ['', '', ''];
          if (
            s.objectOrSkip(TAINT_KEYS, (tk) => {
              if (tk >= 0) taint[tk] = s.stringOrSkip() ?? '';
              else s.skip();
            })
          )
            these.push({ key: taint[0]!, value: taint[1]!, effect: taint[2]! });
        })
          ? these
          : [];
      });
      taints = t;
    } else {
      s.skip();
    }
  });
  return { name, labels, taints };
}

/** An array index as JavaScript orders object keys (`0` … `4294967294`, canonical form). */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;
const isArrayIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/**
 * Labels in the order `Object.entries` of the parsed object lists them (array-index keys first, in
 * numeric order; the rest in first-appearance order), values that are not strings left out.
 */
function labelMap(raw: Map<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  let indexKeys: string[] | undefined;
  for (const [k, v] of raw) {
    const c = k.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39 && isArrayIndex(k)) (indexKeys ??= []).push(k);
    else if (v !== undefined) out.set(k, v);
  }
  if (!indexKeys) return out;
  const first = new Map<string, string>();
  for (const k of indexKeys.sort((a, b) => Number(a) - Number(b))) {
    const v = raw.get(k);
    if (v !== undefined) first.set(k, v);
  }
  for (const [k, v] of out) first.set(k, v);
  return first;
}

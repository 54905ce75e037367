/**
 * Making text from input safe to print: control characters escaped, credentials in URLs redacted.
 *
 * Every string that reaches a terminal or a log (names, kinds, paths, URLs, server messages, table cells)
 * goes through `escapeControl`, so raw ESC/BEL/CR/LF from a document can neither recolour the screen,
 * overwrite a line, nor forge a second log record. `redactUrls` removes `user:password@` and query strings
 * from any `scheme://` URL in a text.
 */

/**
 * C0 controls, DEL, C1 controls (U+0080–U+009F; U+009B is a one-byte CSI for many terminals), the line and
 * paragraph separators, and the bidirectional overrides/isolates (which reorder what a reader sees).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Characters that JSON.stringify leaves raw but a terminal interprets (everything CONTROL has beyond C0). */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** True when `s` holds a character that `escapeControl` would escape. */
export function hasControl(s: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(s);
  CONTROL.lastIndex = 0;
  return found;
}

/** `s` with every control character written as an escape (`\n`, `\r`, `\t`, `\x1b`, `\u2028`): one printable line. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => NAMED[c] ?? hex(c));
}

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, U+2028/9, bidi) as `\uXXXX` escapes. */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const REDACTED = 'REDACTED';

/** `scheme://userinfo@` — userinfo is everything up to the first `@` before the host part ends. */
const URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#\s"'@]*)@/g;
/** `scheme://host/path?query` — the query (up to a fragment, whitespace or a quote). */
const URL_QUERY = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'?#]*)\?[^\s"'#]*/g;
/** The same inside JSON text: never crossing a backslash, so an escaped quote stays escaped. */
const JSON_URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#\s"'@\\]*)@/g;
const JSON_URL_QUERY = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'?#\\]*)\?[^\s"'#\\]*/g;

/**
 * `text` with the userinfo and query string of every URL in it replaced by REDACTED. With `jsonText`,
 * `text` is JSON and stays valid JSON.
 */
export function redactUrls(text: string, jsonText = false): string {
  if (!text.includes('://')) return text;
  return text
    .replace(jsonText ? JSON_URL_USERINFO : URL_USERINFO, `$1${REDACTED}@`)
    .replace(jsonText ? JSON_URL_QUERY : URL_QUERY, `$1?${REDACTED}`);
}

/** Text from input made safe for one line of a terminal or log: credentials redacted, controls escaped. */
export function safeText(s: string): string {
  return escapeControl(redactUrls(s));
}

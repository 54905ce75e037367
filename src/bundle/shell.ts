/** Shell quoting for generated bash scripts, README shell blocks and the printed next steps. */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A bash word for `s`, always on one line: bare when it only has safe characters, single-quoted
 * otherwise, and ANSI-C quoted (`$'…'`) when it holds control characters (a newline inside plain
 * quotes would break the line and could close a Markdown code fence).
 */
export function shq(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (!CONTROL.test(s)) return "'" + s.replace(/'/g, `'\\''`) + "'";
  let out = "$'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (CONTROL.test(ch))
      out += c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** A bash word inside double quotes with `${SCRIPT_DIR}` prefixed: `"${SCRIPT_DIR}"/'a b'/c`. */
export function scriptPath(rel: string): string {
  return `"\${SCRIPT_DIR}"/${shq(rel)}`;
}

/** Text from input shown in Markdown outside code blocks: control characters escaped, one line. */
export function mdText(s: string): string {
  if (!CONTROL.test(s)) return s;
  return JSON.stringify(s).slice(1, -1);
}

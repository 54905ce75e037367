/** Shell quoting for generated bash scripts. */

/** A bash word for `s`: bare when it only has safe characters, else single-quoted. */
export function shq(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/** A bash word inside double quotes with `${SCRIPT_DIR}` prefixed: `"${SCRIPT_DIR}"/'a b'/c`. */
export function scriptPath(rel: string): string {
  return `"\${SCRIPT_DIR}"/${shq(rel)}`;
}

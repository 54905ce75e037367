/** Source lines of keys in a YAML (or JSON) text, for error messages; loaded only when there is an error. */
import { LineCounter, parseDocument as parseYaml, isMap, isSeq, isScalar } from 'yaml';

/** 1-based line of the node (or the key, for a missing one) at `path`, from the YAML/JSON text. */
export function lineOf(text: string, path: readonly (string | number)[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseYaml(text, { lineCounter: lc, uniqueKeys: false });
  let node: unknown = doc.contents;
  let line: number | undefined =
    node && (node as { range?: number[] }).range
      ? lc.linePos((node as { range: number[] }).range[0]).line
      : undefined;
  for (const p of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(p));
      if (!pair) return line;
      const keyRange = (pair.key as { range?: number[] }).range;
      if (keyRange) line = lc.linePos(keyRange[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof p === 'number') {
      node = node.items[p];
      const r = (node as { range?: number[] } | undefined)?.range;
      if (r) line = lc.linePos(r[0]).line;
    } else return line;
  }
  return line;
}

/**
 * One resolver for dotted paths whose names may themselves contain dots: systemd units
 * (`containerd.service`), sysctl keys (`kernel.pid_max`), labels (`nvidia.com/gpu.product`), Helm
 * release keys (`gpu-operator.version`), values keys. Used by `validate` and `recipe --snapshot`
 * (constraint paths against a snapshot) and by `query` (selectors into the hydrated recipe).
 *
 * Rule: a path is read against the names that exist. At each level every existing name that is a
 * prefix of the rest of the path ending at a `.` (or at the end) is a candidate; a path resolves
 * when exactly one sequence of existing names spells it. Two or more sequences (e.g. subtype
 * `containerd` with key `service.ActiveState` and subtype `containerd.service` with key
 * `ActiveState`) make the path ambiguous: bad input (exit 2), never a guess. When nothing spells it,
 * the longest matched prefix is reported, naming the first name that is missing.
 * Only own properties count: `constructor`, `__proto__` or `toString` never resolve to anything
 * inherited.
 */

/** Names at one level: the node's own keys, or undefined when the node has no children there. */
export type ChildrenOf = (node: unknown, depth: number) => Record<string, unknown> | undefined;

/** Most candidate steps one resolution may try (bounds pathological names like `a.a.a.a…`). */
export const MAX_RESOLVE_STEPS = 10_000;

export type Resolution =
  | { kind: 'found'; names: string[]; value: unknown }
  /** `names`: the longest prefix that matched; `rest`: the unread text after it; `node`: where it stopped. */
  | { kind: 'missing'; names: string[]; rest: string; node: unknown }
  | { kind: 'ambiguous'; readings: string[][] }
  | { kind: 'too-complex' };

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Resolves `path` from `root`. `depth` (optional) is the exact number of names a complete reading
 * has (a snapshot constraint path: subtype then key = 2); without it any length counts.
 */
export function resolvePath(
  root: unknown,
  path: string,
  childrenOf: ChildrenOf,
  opts: { depth?: number } = {},
): Resolution {
  const found: { names: string[]; value: unknown }[] = [];
  let best: { names: string[]; rest: string; node: unknown } = { names: [], rest: path, node: root };
  let steps = 0;
  const walk = (node: unknown, pos: number, names: string[]): void => {
    if (found.length > 1 || steps > MAX_RESOLVE_STEPS) return;
    if (pos > path.length) {
      if (opts.depth === undefined || names.length === opts.depth) found.push({ names, value: node });
      return;
    }
    if (opts.depth !== undefined && names.length >= opts.depth) return;
    const children = childrenOf(node, names.length);
    if (children === undefined) return;
    // Candidates: the rest up to each dot, and the whole rest.
    for (let end = path.indexOf('.', pos); ; end = path.indexOf('.', end + 1)) {
      const stop = end < 0 ? path.length : end;
      const name = path.slice(pos, stop);
      steps++;
      if (hasOwn(children, name)) {
        const next = [...names, name];
        if (next.length > best.names.length)
          best = { names: next, rest: path.slice(stop + 1), node: children[name] };
        // Past the end (stop + 1 > length) marks "consumed".
        walk(children[name], end < 0 ? path.length + 1 : stop + 1, next);
      }
      if (end < 0) break;
    }
  };
  if (path === '') return { kind: 'found', names: [], value: root };
  walk(root, 0, []);
  if (steps > MAX_RESOLVE_STEPS) return { kind: 'too-complex' };
  if (found.length === 1) return { kind: 'found', ...found[0] };
  if (found.length > 1) return { kind: 'ambiguous', readings: found.map((f) => f.names) };
  return { kind: 'missing', ...best };
}

/** A reading of a path for messages: its names, each quoted when it holds a dot. */
export function describeReading(names: readonly string[]): string {
  return names.map((n) => (n.includes('.') ? `"${n}"` : n)).join('.');
}

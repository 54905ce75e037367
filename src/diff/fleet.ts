/**
 * The FleetReport document: what a fleet snapshot found across its nodes.
 *
 *   kind: FleetReport
 *   nodeCount / succeeded / failed
 *   failedNodes: [{node, reason}]
 *   majority: {measurements}      the majority value of every reading, as a snapshot's measurements
 *   deviations: [{path, majority, count, nodes: [{node, value}]}]
 *   noMajority: [{path, values}]  readings where no value is held by more than half of the nodes
 *
 * Readings are matched by type/subtype/key across the succeeded nodes; a node without a reading counts
 * as the value "absent" (shown as `null` with `absent: true`). A value is the majority when more than
 * half of the succeeded nodes hold it. Readings that differ on every node by nature (GPU UUIDs, node
 * names) end up in noMajority, listed by their distinct-value count only, not node by node.
 * The readings of the default ignore list (capture time, /proc/sys counters) are left out.
 */
import { DEFAULT_IGNORES, IgnoreSet } from './changes.js';
import { API_VERSION, type Measurement, type Reading, type Snapshot } from '../model/snapshot.js';
import type { FleetReport } from '../model/reports.js';

export interface FleetNodeResult {
  node: string;
  snapshot?: Snapshot;
  reason?: string;
}

export interface Deviation {
  path: string;
  majority: Reading;
  count: number;
  nodes: { node: string; value: Reading; absent?: boolean }[];
}

/** The document's type comes from its schema (src/model/reports.ts): one definition. */
export type { FleetReport } from '../model/reports.js';

const ABSENT = '\u0000absent';
const keyOf = (v: Reading | undefined) =>
  v === undefined ? ABSENT : `${typeof v}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`;

export function buildFleetReport(
  results: FleetNodeResult[],
  meta: Record<string, string> = {},
  ignorePatterns: readonly string[] = DEFAULT_IGNORES,
): FleetReport {
  const ignore = new IgnoreSet(ignorePatterns);
  const ok = results.filter((r) => r.snapshot);
  const failedNodes = results
    .filter((r) => !r.snapshot)
    .map((r) => ({ node: r.node, reason: r.reason ?? 'unknown' }));
  // type → subtype → key, in first-seen order.
  const shape = new Map<string, Map<string, string[]>>();
  const byNode = new Map<string, Map<string, Reading>>();
  for (const r of ok) {
    const readings = new Map<string, Reading>();
    for (const m of r.snapshot!.measurements) {
      const subs = shape.get(m.type) ?? new Map<string, string[]>();
      shape.set(m.type, subs);
      for (const s of m.subtypes ?? []) {
        const keys = subs.get(s.subtype) ?? [];
        subs.set(s.subtype, keys);
        for (const [k, v] of Object.entries(s.data)) {
          if (!keys.includes(k)) keys.push(k);
          readings.set(`${m.type}\u0000${s.subtype}\u0000${k}`, v);
        }
      }
    }
    byNode.set(r.node, readings);
  }
  const half = ok.length / 2;
  const majority: Measurement[] = [];
  const deviations: Deviation[] = [];
  const noMajority: { path: string; values: number }[] = [];
  for (const [type, subs] of shape) {
    const m: Measurement = { type, subtypes: [] };
    for (const [subtype, keys] of subs) {
      const data: Record<string, Reading> = {};
      for (const key of keys) {
        const path = `${type}.${subtype}.${key}`;
        if (ignore.matches(path)) continue;
        const id = `${type}\u0000${subtype}\u0000${key}`;
        const counts = new Map<string, { value: Reading | undefined; nodes: string[] }>();
        for (const r of ok) {
          const v = byNode.get(r.node)!.get(id);
          const k = keyOf(v);
          const c = counts.get(k) ?? { value: v, nodes: [] };
          c.nodes.push(r.node);
          counts.set(k, c);
        }
        const best = [...counts.entries()].sort((a, b) => b[1].nodes.length - a[1].nodes.length)[0];
        if (best[1].nodes.length <= half) {
          noMajority.push({ path, values: counts.size });
          continue;
        }
        if (best[0] !== ABSENT) data[key] = best[1].value as Reading;
        if (counts.size > 1) {
          const nodes: Deviation['nodes'] = [];
          for (const [k, c] of counts) {
            if (k === best[0]) continue;
            for (const n of c.nodes)
              nodes.push(
                c.value === undefined ? { node: n, value: null, absent: true } : { node: n, value: c.value },
              );
          }
          nodes.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
          deviations.push({
            path,
            majority: best[0] === ABSENT ? null : (best[1].value as Reading),
            count: best[1].nodes.length,
            nodes,
          });
        }
      }
      if (Object.keys(data).length) m.subtypes!.push({ subtype, data });
    }
    if (m.subtypes!.length) majority.push(m);
  }
  return {
    apiVersion: API_VERSION,
    kind: 'FleetReport',
    metadata: meta,
    nodeCount: results.length,
    succeeded: ok.length,
    failed: failedNodes.length,
    failedNodes,
    majority: { measurements: majority },
    deviations,
    noMajority,
  };
}

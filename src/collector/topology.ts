/**
 * NodeTopology collector (type `NodeTopology`): cluster-wide node taints and labels, subtypes `summary`,
 * `taint`, `label`.
 *
 * Nodes are listed in pages (limit + continue); only names, labels and taints are kept, so memory grows
 * with the number of distinct label/taint entries, not with the size of Node objects.
 *
 *  - `label`: label key ⇒ `"<value>|<nodes>"`; a key with several distinct values is split into
 *    `<key>.<value>` entries.
 *  - `taint`: taint key ⇒ `"<effect>|<value>|<nodes>"`; a key seen with several (effect, value) pairs is
 *    split into `<key>.<effect>` ⇒ `"<value>|<nodes>"` (same key and effect with different values then
 *    collide; the last pair in sorted order wins, as upstream's last-write-wins).
 *  - `<nodes>`: node names sorted and comma-joined; with `maxNodesPerEntry` N > 0 and more than N nodes,
 *    the first N then ` (+M more)`.
 *  - `summary`: `node-count`, `taint-count` (taint keys emitted), `label-count` (label keys emitted).
 * No usable cluster ⇒ zero summary and empty taint/label. A failing node list fails the collector
 * (the snapshotter drops the measurement with a warning): partial counts would be misleading.
 */
import type { Measurement, Reading } from '../model/snapshot.js';
import { DEFAULT_PAGE_SIZE } from './k8s.js';
import { ClusterCollector, KubeLister, type KubeConnection, type KubeSession } from './kube.js';
import { scanNode } from './list-scan.js';

export interface NodeTopologyCollectorOptions {
  session: KubeSession;
  /** Cap on node names listed per entry (0 = unlimited). */
  maxNodesPerEntry?: number;
  pageSize?: number;
  timeoutMs?: number;
}

export interface NodeFacts {
  name: string;
  labels: ReadonlyMap<string, string>;
  taints: { key: string; value: string; effect: string }[];
}

export class NodeTopologyCollector extends ClusterCollector<NodeTopologyCollectorOptions> {
  constructor(opts: NodeTopologyCollectorOptions) {
    super('NodeTopology', opts);
  }

  protected async collectFrom(conn: KubeConnection | undefined, signal: AbortSignal): Promise<Measurement> {
    const acc = new TopologyAccumulator();
    if (!conn) return acc.measurement(0);
    const limit = this.opts.pageSize ?? DEFAULT_PAGE_SIZE;
    const lister = await KubeLister.create(conn);
    try {
      await lister.list(
        '/api/v1/nodes',
        limit,
        scanNode,
        (nodes) => {
          for (const n of nodes) acc.add(n);
        },
        signal,
      );
    } finally {
      lister.close();
    }
    return acc.measurement(this.opts.maxNodesPerEntry ?? 0);
  }
}

/** Comma-joined sorted node names, truncated to `max` (> 0) with ` (+M more)`. */
export function formatNodes(names: string[], max: number): string {
  const sorted = [...names].sort();
  if (max > 0 && sorted.length > max) {
    return `${sorted.slice(0, max).join(',')} (+${sorted.length - max} more)`;
  }
  return sorted.join(',');
}

/** Groups nodes by label and taint as pages arrive. */
export class TopologyAccumulator {
  private nodeCount = 0;
  // label key → value → node names
  private readonly labels = new Map<string, Map<string, string[]>>();
  // taint key → "effect\0value" → node names
  private readonly taints = new Map<string, Map<string, string[]>>();

  add(n: NodeFacts): void {
    this.nodeCount += 1;
    for (const [k, v] of n.labels) group(this.labels, k, v, n.name);
    for (const t of n.taints) group(this.taints, t.key, `${t.effect}\0${t.value}`, n.name);
  }

  measurement(max: number): Measurement {
    return summarize(this.nodeCount, this.labels, this.taints, max);
  }
}

function group(m: Map<string, Map<string, string[]>>, k: string, v: string, node: string): void {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  const list = inner.get(v);
  if (list) list.push(node);
  else inner.set(v, [node]);
}

function summarize(
  nodeCount: number,
  labels: Map<string, Map<string, string[]>>,
  taints: Map<string, Map<string, string[]>>,
  max: number,
): Measurement {
  const label: Record<string, Reading> = {};
  for (const [k, values] of labels) {
    const entries = [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [v, names] of entries) {
      label[entries.length > 1 ? `${k}.${v}` : k] = `${v}|${formatNodes(names, max)}`;
    }
  }
  const taint: Record<string, Reading> = {};
  for (const [k, combos] of taints) {
    const entries = [...combos].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [ev, names] of entries) {
      const [effect, value] = ev.split('\0') as [string, string];
      if (entries.length > 1) taint[`${k}.${effect}`] = `${value}|${formatNodes(names, max)}`;
      else taint[k] = `${effect}|${value}|${formatNodes(names, max)}`;
    }
  }
  return {
    type: 'NodeTopology',
    subtypes: [
      {
        subtype: 'summary',
        data: {
          'node-count': nodeCount,
          'taint-count': Object.keys(taint).length,
          'label-count': Object.keys(label).length,
        },
      },
      { subtype: 'taint', data: taint },
      { subtype: 'label', data: label },
    ],
  };
}

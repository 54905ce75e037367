/**
 * The Snapshot document: measurements of one node and its cluster.
 *
 * Snapshot → measurements[] (type) → subtypes[] (subtype) → data (key → reading).
 * A reading is a bare scalar. Integers beyond 2^53 (e.g. systemd uint64 limits) are kept exact as
 * bigint; readers turn safe integers back into numbers.
 */
export const API_VERSION = 'aicr.nvidia.com/v1alpha1';
/** apiVersions accepted on input (docs/decisions.md, decision 7). */
export const ACCEPTED_API_VERSIONS = [API_VERSION, 'aicr.run/v1', 'aicr.run/v1beta1', 'aicr.run/v1beta2'];

export type Reading = string | number | bigint | boolean | null;

export const MEASUREMENT_TYPES = ['K8s', 'SystemD', 'OS', 'GPU', 'NodeTopology'] as const;
export type MeasurementType = (typeof MEASUREMENT_TYPES)[number];

export interface Subtype {
  subtype: string;
  data: Record<string, Reading>;
  context?: Record<string, string>;
}

export interface Measurement {
  type: string;
  subtypes?: Subtype[];
}

export interface SnapshotMetadata {
  [key: string]: string;
}

export interface Snapshot {
  kind?: string;
  apiVersion?: string;
  metadata?: SnapshotMetadata;
  measurements: Measurement[];
}

/** First measurement of `type`, first subtype named `subtype`: what constraint paths resolve against. */
export function findSubtype(snap: Snapshot, type: string, subtype: string): Subtype | undefined {
  const m = snap.measurements.find((x) => x.type === type);
  return m?.subtypes?.find((s) => s.subtype === subtype);
}

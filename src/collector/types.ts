/**
 * The collector contract: one collector produces one measurement of one type.
 *
 * Collectors never throw for a missing facility (no nvidia-smi, no systemd, no cluster): they log a
 * warning and return an empty or minimal measurement. They throw only when their work was interrupted
 * (the signal aborted) or something unexpected broke; the snapshotter then drops that measurement.
 */
import type { Measurement, MeasurementType } from '../model/snapshot.js';

export interface Collector {
  readonly type: MeasurementType;
  /** The longest this collector may run; the snapshotter aborts `signal` and drops the measurement after it. */
  readonly timeoutMs: number;
  collect(signal: AbortSignal): Promise<Measurement>;
}

/** Names accepted by `--filter` / `--exclude`, in output order, with the measurement type each selects. */
export const COLLECTOR_NAMES = {
  k8s: 'K8s',
  systemd: 'SystemD',
  os: 'OS',
  gpu: 'GPU',
  topology: 'NodeTopology',
} as const satisfies Record<string, MeasurementType>;

export type CollectorName = keyof typeof COLLECTOR_NAMES;

/** Default per-collector timeouts (upstream values). */
export const DEFAULT_TIMEOUTS_MS: Record<MeasurementType, number> = {
  K8s: 60_000,
  SystemD: 10_000,
  OS: 10_000,
  GPU: 15_000,
  NodeTopology: 90_000,
};

/** Error thrown when the signal aborts: carries the abort reason's text. */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  return new Error(r === undefined ? 'aborted' : String(r));
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/**
 * A monotonic clock in milliseconds. The global `performance` object loads Node's perf_hooks (a dozen
 * internal modules) on first use; `process.hrtime` needs none (decision 15).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

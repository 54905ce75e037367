/**
 * The one bounded-concurrency pool: runs `task` over `items` with at most `limit` in flight
 * (0 or less = all at once), results in input order. Stops starting new items once `stop()` says so
 * (the results of items never started stay undefined). A task's rejection rejects the pool; tasks
 * already running are not cancelled.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  const width = limit > 0 ? Math.min(limit, items.length) : items.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const i = next++;
      out[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

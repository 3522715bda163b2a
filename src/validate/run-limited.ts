/**
 * Runs async work over a list with at most `limit` items in flight. Each worker
 * has a slot number, so it can own a reusable buffer: peak memory is
 * `limit` buffers, not one per file.
 */

/** Calls `work(item, index, slot)` for every item, `limit` at a time; resolves when all are done. */
export async function forEachLimited<T>(
  items: readonly T[], limit: number, work: (item: T, index: number, slot: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index, slot);
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, (_, slot) => worker(slot)));
}

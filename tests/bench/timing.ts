/** Small helpers shared by both bench workers. */

export async function timed(fn: () => Promise<unknown>): Promise<{ ms: number }> {
  const t0 = performance.now();
  await fn();
  return { ms: performance.now() - t0 };
}

/** Builds every call's items up front, so data generation stays out of the timed loop. */
export function batches<T>(n: number, size: number, item: (i: number) => T): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < n; start += size) {
    const b: T[] = [];
    for (let i = start; i < Math.min(n, start + size); i++) b.push(item(i));
    out.push(b);
  }
  return out;
}

/** Timing helpers of the benchmarks. */

/** Seconds `action` took. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await action();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The median; for an even count, the mean of the middle two. */
export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Percentiles and number formatting for the benchmark's report. */

/** Nearest-rank percentile (q in 0..1) of samples sorted ascending; NaN when there are none. */
function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function percentile(samples: readonly number[], q: number): number {
  return nearestRank(
    [...samples].sort((a, b) => a - b),
    q,
  );
}

export interface Quantiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function quantiles(samples: readonly number[]): Quantiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: nearestRank(sorted, 0.5),
    p95: nearestRank(sorted, 0.95),
    p99: nearestRank(sorted, 0.99),
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}

export function spread(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  return `${ratio(Math.min(...finite))}–${ratio(Math.max(...finite))}`;
}

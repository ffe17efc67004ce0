/** The `p`-th percentile (0-100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A figure over the rounds: the median and the range of its per-round values. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** One value per round (null where the round had none). */
  rounds: (number | null)[];
}

/** The spread of per-round values (non-finite ones are left out of median/min/max). */
export function spread(rounds: readonly (number | null | undefined)[]): Spread {
  const kept = rounds.map((v) => (v === null || v === undefined || !Number.isFinite(v) ? null : v));
  const finite = kept.filter((v): v is number => v !== null);
  return {
    median: median(finite),
    min: finite.length === 0 ? Number.NaN : Math.min(...finite),
    max: finite.length === 0 ? Number.NaN : Math.max(...finite),
    rounds: kept,
  };
}

/** The spread of per-round ratios `a[i] / b[i]` (the ratio is taken inside each round, then summarised). */
export function ratioSpread(a: readonly (number | null)[], b: readonly (number | null)[]): Spread {
  return spread(a.map((x, i) => (x === null || b[i] === null || b[i] === 0 ? null : x / b[i]!)));
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
}

/** Rounds to `digits` significant decimals for reports (NaN stays NaN, reported as null in JSON). */
export function round(value: number, digits = 3): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN;
}

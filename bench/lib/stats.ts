/** Order statistics over repeated measurements: medians and spreads, never single samples. */

export interface Summary {
  n: number;
  median: number;
  p5: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/** The q-quantile (0..1) of the values, linearly interpolated between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) {
    return {
      n: 0,
      median: Number.NaN,
      p5: Number.NaN,
      p95: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      mean: Number.NaN,
    };
  }
  return {
    n,
    median: quantile(values, 0.5),
    p5: quantile(values, 0.05),
    p95: quantile(values, 0.95),
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / n,
  };
}

/** Rounds for JSON output (3 significant decimals are plenty for milliseconds). */
export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function roundSummary(s: Summary, digits = 3): Summary {
  return {
    n: s.n,
    median: round(s.median, digits),
    p5: round(s.p5, digits),
    p95: round(s.p95, digits),
    min: round(s.min, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}

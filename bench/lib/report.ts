/** Result rows, the table printed at the end and copied into bench/README.md. */
import { summarize, type Summary } from './stats.js';

/** `count`: a total (no spread shown); `calls`: a number per sample (median and spread). */
export type Unit = 'ms' | 's' | 'MiB' | '% core' | 'req/s' | 'msg/s' | 'count' | 'calls';

export interface Row {
  part: string;
  metric: string;
  unit: Unit;
  /** Median of the samples (for a count: the total). */
  median: number;
  /** The spread shown beside the median. */
  lo: number;
  hi: number;
  spread: 'p5–p95' | 'min–max';
  /** Number of samples (turns, runs, windows). */
  n: number;
  /** The p95 when the row is a latency distribution. */
  p95?: number;
  target?: { text: string; met: boolean };
  /** The original (Python) CAO's figure, in the same unit. */
  original?: number;
  note?: string;
}

export interface PartResult {
  part: string;
  rows: Row[];
  /** Everything measured, for results.json. */
  details: Record<string, unknown>;
  /** Why the part (or a piece of it) was not measured. */
  skipped?: string[];
  error?: string;
}

/** A row from samples: median with p5–p95 (or min–max for few samples). */
export function rowOf(
  part: string,
  metric: string,
  unit: Unit,
  samples: number[],
  extra: Partial<Row> = {},
): Row {
  const s: Summary = summarize(samples);
  const wide = s.n >= 10;
  return {
    part,
    metric,
    unit,
    median: s.median,
    lo: wide ? s.p5 : s.min,
    hi: wide ? s.p95 : s.max,
    spread: wide ? 'p5–p95' : 'min–max',
    n: s.n,
    ...(wide ? { p95: s.p95 } : {}),
    ...extra,
  };
}

export function fmt(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return '–';
  switch (unit) {
    case 'ms':
      return v >= 1000
        ? `${(v / 1000).toFixed(2)} s`
        : v >= 10
          ? `${Math.round(v)} ms`
          : `${v.toFixed(1)} ms`;
    case 's':
      return `${v.toFixed(2)} s`;
    case 'MiB':
      return `${v.toFixed(1)} MiB`;
    case '% core':
      return v === 0
        ? '0 %'
        : v < 0.01
          ? `${v.toFixed(4)} %`
          : v < 1
            ? `${v.toFixed(3)} %`
            : `${v.toFixed(1)} %`;
    case 'req/s':
    case 'msg/s':
      return `${Math.round(v).toLocaleString('en-US')} ${unit}`;
    case 'count':
      return String(Math.round(v));
    case 'calls':
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }
}

function ratio(r: Row): string {
  if (r.original === undefined) return '';
  const orig = fmt(r.original, r.unit);
  if (!(r.median > 0)) return orig;
  const x = r.original / r.median;
  return `${orig} (${x >= 10 ? Math.round(x) : x.toFixed(1)}×)`;
}

/** The Markdown table of all rows. */
export function table(rows: Row[]): string {
  const head = [
    'Part',
    'Metric',
    'Median',
    'Spread',
    'n',
    'Target',
    'Met',
    'Original CAO (÷ ours)',
  ];
  const lines = rows.map((r) => [
    r.part,
    r.metric + (r.note ? ` (${r.note})` : ''),
    fmt(r.median, r.unit),
    r.unit === 'count' ? '' : `${fmt(r.lo, r.unit)} – ${fmt(r.hi, r.unit)} (${r.spread})`,
    String(r.n),
    r.target?.text ?? '',
    r.target ? (r.target.met ? 'yes' : '**no**') : '',
    ratio(r),
  ]);
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

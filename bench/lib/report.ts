import { round, type Spread } from './stats.js';

/** One target of the issue, with what this run measured. */
export interface TargetResult {
  id: string;
  scenario: string;
  /** What is measured, e.g. "p50 latency vs raw ws". */
  measure: string;
  /** Median over the rounds with its min-max (ratios are taken per round first). */
  value: Spread;
  unit: 'x' | 'ms' | '%' | '/s' | 'count';
  /** The target as text, e.g. "<= 1.1x". */
  target: string;
  /** True when the median meets the target; null when nothing was measured. */
  pass: boolean | null;
  /** The plain peer's figure on the same measure, when there is one. */
  peer?: Spread;
  /** A figure without a target (e.g. what tracing costs): `pass` is null, the table marks it `info`. */
  informational?: true;
}

/** A target met when the median is at most `limit`. */
export function atMost(
  id: string,
  scenario: string,
  measure: string,
  value: Spread,
  unit: TargetResult['unit'],
  limit: number,
  peer?: Spread,
): TargetResult {
  return target({ id, scenario, measure, value, unit, peer }, '<=', limit);
}

/** A figure reported beside the targets, with none of its own. */
export function info(
  id: string,
  scenario: string,
  measure: string,
  value: Spread,
  unit: TargetResult['unit'],
  peer?: Spread,
): TargetResult {
  return { id, scenario, measure, value, unit, target: 'none', pass: null, informational: true, ...(peer && { peer }) };
}

/** A target met when the median is at least `limit`. */
export function atLeast(
  id: string,
  scenario: string,
  measure: string,
  value: Spread,
  unit: TargetResult['unit'],
  limit: number,
): TargetResult {
  return target({ id, scenario, measure, value, unit }, '>=', limit);
}

function target(
  figure: Pick<TargetResult, 'id' | 'scenario' | 'measure' | 'value' | 'unit' | 'peer'>,
  op: '<=' | '>=',
  limit: number,
): TargetResult {
  const { median } = figure.value;
  const pass = Number.isFinite(median) ? (op === '<=' ? median <= limit : median >= limit) : null;
  const { peer, ...rest } = figure;
  return {
    ...rest,
    target: `${op} ${limit}${figure.unit === 'x' ? 'x' : ` ${figure.unit}`}`,
    pass,
    ...(peer && { peer }),
  };
}

function show(s: Spread | undefined, unit: string): string {
  if (s === undefined || !Number.isFinite(s.median)) return 'n/a';
  const digits = Math.abs(s.median) >= 100 ? 0 : Math.abs(s.median) >= 10 ? 1 : 2;
  const f = (v: number): string => v.toFixed(digits);
  const range = s.min === s.max ? '' : ` (${f(s.min)}-${f(s.max)})`;
  return `${f(s.median)}${unit === 'x' ? 'x' : unit === 'count' ? '' : ` ${unit}`}${range}`;
}

/** The results table as fixed-width text. */
export function formatTable(targets: TargetResult[]): string {
  const rows = [
    ['#', 'scenario', 'measure', 'measured: median (min-max)', 'target', 'mark', 'plain peer'],
    ...targets.map((t) => [
      t.id,
      t.scenario,
      t.measure,
      show(t.value, t.unit),
      t.target,
      t.informational ? 'info' : t.pass === null ? 'n/a' : t.pass ? 'pass' : 'MISS',
      show(t.peer, t.unit),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.slice(1).map(line)].join('\n');
}

/** JSON-safe copy: NaN becomes null, numbers are rounded for reading. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? round(value, 4) : null;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

import { readFileSync } from 'node:fs';

/** Jiffies of one core from /proc/stat: busy (everything but idle and iowait) and total. */
export interface CoreTimes {
  busy: number;
  total: number;
}

/** Reads `core`'s counters; undefined where /proc/stat is missing (not Linux). */
export function readCoreTimes(core: number): CoreTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = stat.split('\n').find((l) => l.startsWith(`cpu${core} `));
  if (line === undefined) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((s, v) => s + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Busy fraction of a core between two readings (NaN when unknown). */
export function busyFraction(before: CoreTimes | undefined, after: CoreTimes | undefined): number {
  if (before === undefined || after === undefined || after.total === before.total) return Number.NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}

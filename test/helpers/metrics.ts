import { WAIT_MS } from './wait.js';

/** The Prometheus text of a service's `/metrics` (bounded by `WAIT_MS`). */
export async function scrapeMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) });
  return res.text();
}

/** The value of the first labelled sample of `name` whose labels contain `labels` (0 when absent). */
export function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

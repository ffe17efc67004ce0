import type { NodeReport } from '@gamesocket/presence';
import type { Counter } from 'prom-client';
import type { Metrics } from '../core/metrics.js';

/** What a pod's heartbeat report is read from. */
export interface PodReportSources {
  metrics: Metrics;
  /** Sockets open on this pod. */
  connections(): number;
  /** True while the pod drains. */
  draining(): boolean;
  /** Milliseconds clock (injected in tests). Default `Date.now`. */
  now?: () => number;
}

async function total(counter: Counter<string>): Promise<number> {
  return (await counter.get()).values.reduce((sum, value) => sum + value.value, 0);
}

/**
 * Makes the report each heartbeat carries (`Presence.heartbeat`): open sockets, drain state, and
 * the events received and sent per second since the previous report (from the Prometheus counters,
 * so the admin view and `/metrics` agree).
 */
export function podReporter(sources: PodReportSources): () => Promise<NodeReport> {
  const now = sources.now ?? Date.now;
  let last: { at: number; received: number; sent: number } | undefined;
  const rate = (count: number, previous: number | undefined, seconds: number): number =>
    previous === undefined || seconds <= 0 ? 0 : Math.round(((count - previous) / seconds) * 10) / 10;
  return async () => {
    const at = now();
    const [received, sent] = await Promise.all([
      total(sources.metrics.eventsReceived),
      total(sources.metrics.eventsSent),
    ]);
    const seconds = last === undefined ? 0 : (at - last.at) / 1000;
    const report: NodeReport = {
      connections: sources.connections(),
      eventsInPerSec: rate(received, last?.received, seconds),
      eventsOutPerSec: rate(sent, last?.sent, seconds),
      draining: sources.draining(),
    };
    last = { at, received, sent };
    return report;
  };
}

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** A count the metrics add to `gamesocket_events_sent_total{domain}` (and zero) when scraped. */
export interface SentSlot {
  count: number;
}

/** Why a packet was refused at the protocol level (a metric label: keep the set small). */
export type ProtocolRefusal =
  /** Not a Socket.IO packet: bad type, broken JSON, reserved event name, bad attachments... */
  | 'malformed'
  /** An ack id that is not a safe non-negative integer. */
  | 'ack_id'
  /** Nested deeper than `MAX_NESTING`. */
  | 'nesting'
  /** More CONNECT packets than `MAX_CONNECTS_PER_CONNECTION`. */
  | 'connect_repeat'
  /** A CONNECT to a namespace this server does not serve (answered, not closed). */
  | 'namespace';

/** The service's Prometheus metrics, on a registry of its own (one per app instance). */
export interface Metrics {
  registry: Registry;
  /** Open sockets by auth state (`ok`, `anonymous`, `expired`, `invalid`). */
  connections: Gauge<'auth'>;
  /** Handshakes by result: an auth state, or `origin_refused`. */
  handshakes: Counter<'result'>;
  /** Client events received, by catalogue domain (`unknown` for names outside it). */
  eventsReceived: Counter<'domain'>;
  /** Client events refused, by error code. */
  eventsRejected: Counter<'code'>;
  /** Events written to sockets (one per socket a broadcast reached), by catalogue domain. */
  eventsSent: Counter<'domain'>;
  /**
   * The count behind `eventsSent` for one domain, incremented as a plain number on the write path
   * and added to the counter when scraped.
   */
  sentSlot(domain: string): SentSlot;
  /** Socket disconnects by Socket.IO reason. */
  disconnects: Counter<'reason'>;
  /** Packets refused at the protocol level, by kind (see `ProtocolRefusal`). */
  protocolRefusals: Counter<'kind'>;
  /** Redis commands that failed (outage), e.g. dropped publishes. */
  redisErrors: Counter;
  /** Client intents that could not be appended to their stream. */
  intentFailures: Counter;
  /** Connections closed for having more than MAX_BUFFERED_BYTES waiting, by transport. */
  slowConsumers: Counter<'transport'>;
  /** Volatile packets dropped for a backed-up connection instead of queued. */
  volatileDropped: Counter;
  /** New sessions refused before the handshake, by stable error code and the limit that refused them. */
  handshakesRefused: Counter<'code' | 'limit'>;
}

/** Live values the metrics read when scraped. */
export interface MetricSources {
  adapterMode: string;
  redisUp(): boolean;
  /** True once the pod is shutting down. */
  draining(): boolean;
  /** Cluster-wide presence counters (may reject while Redis is down: the gauges keep their last value). */
  presence(): Promise<{ online: number; connections: number }>;
  /** Access-token verifications running and waiting for a slot (HANDSHAKE_CONCURRENCY). */
  verifications(): { active: number; waiting: number };
}

/** How often the event loop's delay is sampled for `nodejs_eventloop_lag_*` (ms). */
const EVENT_LOOP_SAMPLE_MS = 100;

/** Creates the metrics of one app instance, with the default process metrics. */
export function createMetrics(nodeId: string, sources: MetricSources): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  // prom-client samples the loop's delay every 10 ms by default: 100 wakeups a second on an idle pod. A stall
  // still lands as one late sample at 100 ms, and weighs more in the p99 among fewer samples.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const registers = [registry];
  new Gauge({
    name: 'gamesocket_redis_up',
    help: '1 when every Redis connection of this pod is ready (always 1 in memory mode)',
    registers,
    collect() {
      this.set(sources.redisUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gamesocket_draining',
    help: '1 while this pod is shutting down (readiness 503, new handshakes refused)',
    registers,
    collect() {
      this.set(sources.draining() ? 1 : 0);
    },
  });
  const presenceGauge = (name: string, help: string, pick: (p: { online: number; connections: number }) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          this.set(pick(await sources.presence()));
        } catch {
          // Redis down: keep the last value; gamesocket_redis_up tells why.
        }
      },
    });
  presenceGauge('gamesocket_presence_online_users', 'Distinct users online across the cluster', (p) => p.online);
  presenceGauge('gamesocket_presence_sockets', 'Signed-in sockets across the cluster', (p) => p.connections);
  new Gauge({
    name: 'gamesocket_handshake_verifications',
    help: 'Access-token verifications running (state="active", at most HANDSHAKE_CONCURRENCY) and waiting',
    labelNames: ['state'],
    registers,
    collect() {
      const { active, waiting } = sources.verifications();
      this.set({ state: 'active' }, active);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'gamesocket_adapter_mode',
    help: 'Cluster mode of this pod (the label carries it; value 1)',
    labelNames: ['mode'],
    registers,
  }).set({ mode: sources.adapterMode }, 1);
  const sentSlots = new Map<string, SentSlot>();
  const metrics: Metrics = {
    registry,
    connections: new Gauge({
      name: 'gamesocket_connections',
      help: 'Open sockets by auth state',
      labelNames: ['auth'],
      registers,
    }),
    handshakes: new Counter({
      name: 'gamesocket_handshakes_total',
      help: 'Handshakes by result',
      labelNames: ['result'],
      registers,
    }),
    eventsReceived: new Counter({
      name: 'gamesocket_events_received_total',
      help: 'Client events received by domain',
      labelNames: ['domain'],
      registers,
    }),
    eventsSent: new Counter({
      name: 'gamesocket_events_sent_total',
      help: 'Events written to sockets by domain (a broadcast counts once per socket)',
      labelNames: ['domain'],
      registers,
      collect() {
        for (const [domain, slot] of sentSlots) {
          this.inc({ domain }, slot.count);
          slot.count = 0;
        }
      },
    }),
    sentSlot(domain) {
      let slot = sentSlots.get(domain);
      if (slot === undefined) sentSlots.set(domain, (slot = { count: 0 }));
      return slot;
    },
    eventsRejected: new Counter({
      name: 'gamesocket_events_rejected_total',
      help: 'Client events refused by error code',
      labelNames: ['code'],
      registers,
    }),
    disconnects: new Counter({
      name: 'gamesocket_disconnects_total',
      help: 'Disconnects by reason',
      labelNames: ['reason'],
      registers,
    }),
    protocolRefusals: new Counter({
      name: 'gamesocket_protocol_refusals_total',
      help: 'Packets refused at the protocol level by kind (malformed, ack_id, nesting, connect_repeat, namespace)',
      labelNames: ['kind'],
      registers,
    }),
    intentFailures: new Counter({
      name: 'gamesocket_intent_append_failures_total',
      help: 'Client intents not appended to their stream',
      registers,
    }),
    redisErrors: new Counter({
      name: 'gamesocket_redis_command_errors_total',
      help: 'Redis commands that failed',
      registers,
    }),
    slowConsumers: new Counter({
      name: 'gamesocket_slow_consumer_disconnects_total',
      help: 'Connections closed for having more than MAX_BUFFERED_BYTES waiting to be written, by transport',
      labelNames: ['transport'],
      registers,
    }),
    volatileDropped: new Counter({
      name: 'gamesocket_volatile_dropped_total',
      help: 'Volatile packets (e.g. match:state_update) dropped for a backed-up connection',
      registers,
    }),
    handshakesRefused: new Counter({
      name: 'gamesocket_handshakes_refused_total',
      help: 'Handshakes refused by a limit, by error code and limit (per-IP rate, per-IP connections, verification cap: before the session; verification queue: at CONNECT)',
      labelNames: ['code', 'limit'],
      registers,
    }),
  };
  // Known label values start at 0, so dashboards and alerts see the series (and rate() works) before the first event.
  for (const transport of ['websocket', 'polling']) metrics.slowConsumers.inc({ transport }, 0);
  for (const [code, limit] of [
    ['RATE_LIMITED', 'ip_handshake_rate'],
    ['CONNECTION_LIMIT', 'ip_connections'],
    ['UNAVAILABLE', 'handshake_verification'],
    ['UNAVAILABLE', 'verification_queue'],
  ] as const) {
    metrics.handshakesRefused.inc({ code, limit }, 0);
  }
  const refusals = ['malformed', 'ack_id', 'nesting', 'connect_repeat', 'namespace'] satisfies ProtocolRefusal[];
  for (const kind of refusals) metrics.protocolRefusals.inc({ kind }, 0);
  return metrics;
}

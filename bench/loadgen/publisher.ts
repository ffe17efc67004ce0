// A backend service publishing the fanout broadcasts on a fixed schedule through Redis: our
// @gamesocket/emitter for gamesocket, the stock @socket.io/redis-emitter for the plain peer. With an OTLP
// endpoint (the `traced` system) it traces like a backend with the OpenTelemetry SDK: a span per publish,
// exported to that endpoint, its W3C context in each message.
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createEmitter, type EmitterMode, type GameEmitter } from '@gamesocket/emitter';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import { serveRpc } from '../lib/rpc.js';
import { FANOUT_EVENT, fanoutPayload, runSchedule, type BenchEvent, type Schedule } from '../lib/schedule.js';

type Publish = (event: BenchEvent, seq: number, at: number) => Promise<unknown>;

let publish: Publish | undefined;
let close: () => Promise<unknown> = async () => undefined;
let running: { stop(): void } | undefined;

serveRpc({
  async init({
    kind,
    redisUrl,
    mode,
    otlpEndpoint,
  }: {
    kind: 'gamesocket' | 'stock';
    redisUrl: string;
    mode: EmitterMode;
    otlpEndpoint?: string;
  }) {
    if (kind === 'gamesocket') {
      const tracerProvider =
        otlpEndpoint === undefined
          ? undefined
          : new TracerProvider({
              spanProcessors: [
                new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpEndpoint}/v1/traces` }) }),
              ],
            });
      if (tracerProvider !== undefined) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      const emitter: GameEmitter = await createEmitter({ redis: redisUrl, mode, tracerProvider });
      publish = (event, seq, at) =>
        event === FANOUT_EVENT
          ? emitter.toLobby().emit(event, fanoutPayload(seq, at))
          : emitter.toLobby().emit(event, fanoutPayload(seq, at));
      close = async () => {
        await emitter.close();
        await tracerProvider?.shutdown();
      };
    } else {
      const redis = new Redis(redisUrl);
      const emitter = new Emitter(redis);
      publish = async (event, seq, at) => emitter.to('lobby').emit(event, fanoutPayload(seq, at));
      close = () => redis.quit();
    }
    return { ok: true };
  },
  /** Publishes on `schedule`; resolves with the number sent and failed (stopped early by `stop`). */
  async run({ event = FANOUT_EVENT, ...schedule }: Schedule & { event?: BenchEvent }) {
    if (publish === undefined) throw new Error('init first');
    const send = publish;
    let failed = 0;
    const pending: Promise<unknown>[] = [];
    const run = runSchedule(schedule, (seq, at) => pending.push(send(event, seq, at).catch(() => failed++)));
    running = run;
    const sent = await run.done;
    await Promise.all(pending);
    return { sent, failed };
  },
  stop() {
    running?.stop();
    return { ok: true };
  },
  async close() {
    const closing = close;
    close = async () => undefined;
    publish = undefined;
    await closing();
    return { ok: true };
  },
});

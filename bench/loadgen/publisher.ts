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
import { fanoutPayload, matchOf, runSchedule, FANOUT_EVENT, type BenchEvent, type Schedule } from '../lib/schedule.js';

/** Publishes broadcast `seq` to the lobby, or to match `match` (the rooms scenario). */
type Publish = (event: BenchEvent, seq: number, at: number, match?: string) => Promise<unknown>;

let publish: Publish | undefined;
/** gamesocket only: makes users `prefix0..` members of their rooms-scenario match, as a game backend would. */
let joinRooms: ((args: { prefix: string; count: number; size: number }) => Promise<unknown>) | undefined;
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
      publish = (event, seq, at, match) => {
        const target = match === undefined ? emitter.toLobby() : emitter.toMatch(match);
        return event === FANOUT_EVENT
          ? target.emit(event, fanoutPayload(seq, at, match))
          : target.emit(event, fanoutPayload(seq, at, match));
      };
      joinRooms = async ({ prefix, count, size }) => {
        for (let i = 0; i < count; i++) {
          await emitter.joinRoom({ userId: `${prefix}${i}`, rooms: `match:${matchOf(i, size)}` });
        }
      };
      close = async () => {
        await emitter.close();
        await tracerProvider?.shutdown();
      };
    } else {
      const redis = new Redis(redisUrl);
      const emitter = new Emitter(redis);
      publish = async (event, seq, at, match) =>
        emitter.to(match === undefined ? 'lobby' : `match:${match}`).emit(event, fanoutPayload(seq, at, match));
      joinRooms = undefined;
      close = () => redis.quit();
    }
    return { ok: true };
  },
  async joinRooms(args: { prefix: string; count: number; size: number }) {
    if (joinRooms === undefined) throw new Error('init a gamesocket publisher first');
    await joinRooms(args);
    return { ok: true };
  },
  /**
   * Publishes on `schedule`, each tick to the lobby or to every match of `matches`; resolves with the number sent
   * and failed (stopped early by `stop`).
   */
  async run({ event = FANOUT_EVENT, matches, ...schedule }: Schedule & { event?: BenchEvent; matches?: string[] }) {
    if (publish === undefined) throw new Error('init first');
    const send = publish;
    let failed = 0;
    const pending: Promise<unknown>[] = [];
    const run = runSchedule(schedule, (seq, at) => {
      if (matches === undefined) pending.push(send(event, seq, at).catch(() => failed++));
      else for (const match of matches) pending.push(send(event, seq, at, match).catch(() => failed++));
    });
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

import { randomBytes } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { ProxyTracerProvider, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createEmitter } from '@gamesocket/emitter';
import { ADAPTER_STREAM, TRACE_CONTEXT_FLAG } from '@gamesocket/protocol';
import {
  connectClient,
  eventually,
  mintToken,
  publishUntil,
  request,
  startPods,
  startRedis,
  waitForCluster,
  type RunningService,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'backend-api-token-for-tests';

t.test('with tracing off: no span, no trace context in any message, no delivery hook', async (t) => {
  // Whatever used the global OpenTelemetry API would land here; the service must not, with tracing off.
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  t.teardown(() => {
    trace.disable();
    propagation.disable();
  });

  const redis = await startRedis(t);
  // No OTEL_EXPORTER_OTLP_ENDPOINT and no provider: tracing is off. Recovery off too, so no hook at all is installed.
  const pods = await startPods(t, 2, {
    REDIS_URL: redis.url,
    ADAPTER: 'redis-streams',
    PUBLISH_API_TOKEN: API_TOKEN,
    RECOVERY_WINDOW_MS: '0',
  });
  await waitForCluster(pods);
  const [podA, podB] = pods as [RunningService, RunningService];
  // A backend without an OpenTelemetry SDK: its provider has nothing to delegate to (the global one before an SDK).
  const emitter = await createEmitter({
    redis: redis.url,
    mode: 'redis-streams',
    tracerProvider: new ProxyTracerProvider(),
  });
  t.teardown(() => emitter.close());

  for (const pod of pods) {
    const adapter = pod.app.io.of('/').adapter;
    t.notOk(
      Object.hasOwn(adapter, 'apply') || Object.hasOwn(adapter, '_encode'),
      `${pod.app.config.nodeId}: not hooked`,
    );
  }

  const player = await connectClient(t, podA.url, { token: await mintToken({ sub: 'u-off', username: 'off' }) });
  const viewer = await connectClient(t, podB.url);
  const seen = new Set<string>();
  viewer.socket.on('lobby:stats', (stats) => seen.add(String((stats as { tag?: unknown }).tag)));
  t.same(await viewer.socket.emitWithAck('lobby:join'), { ok: true });
  const stats = (tag: string): never => ({ online: 1, connections: 1, nodes: 2, tag }) as never;
  await publishUntil(
    () => emitter.toLobby().emit('lobby:stats', stats('emitted')),
    () => seen.has('emitted'),
  );
  const res = await fetch(`${podA.url}/v1/publish`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      'content-type': 'application/json',
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    },
    body: JSON.stringify({ to: 'lobby', event: 'lobby:stats', data: stats('http') }),
  });
  t.equal(res.status, 202);
  await eventually(() => seen.has('http'));
  const ack = await request(player.socket, 'room:create', { name: 'Untraced', maxPlayers: 2 });
  t.ok(ack.ok, 'intent appended');

  const reader = new Redis(redis.url);
  t.teardown(() => reader.quit());
  const entries = (await reader.xrange(ADAPTER_STREAM, '-', '+')).map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!) as { opts?: { flags?: Record<string, unknown> } },
  );
  t.ok(entries.length >= 2, `${entries.length} adapter messages read`);
  t.notOk(
    entries.some((entry) => entry.opts?.flags?.[TRACE_CONTEXT_FLAG] !== undefined),
    'no message carries a trace context',
  );
  await provider.forceFlush();
  t.same(
    exporter.getFinishedSpans().map((span) => span.name),
    [],
    'no span',
  );

  // A backend that traces, against these pods that do not: its messages carry the flag, the pods ignore it.
  const traced = await createEmitter({ redis: redis.url, mode: 'redis-streams', tracerProvider: provider });
  t.teardown(() => traced.close());
  await traced.toLobby().emit('lobby:stats', stats('traced-emitter'));
  await eventually(() => seen.has('traced-emitter'));
  type Entry = { packet?: { data?: [string, { tag?: string }] }; opts?: { flags?: Record<string, unknown> } };
  const tracedEntry = (await reader.xrange(ADAPTER_STREAM, '-', '+'))
    .map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!) as Entry)
    .find((entry) => entry.packet?.data?.[1]?.tag === 'traced-emitter');
  t.ok(tracedEntry?.opts?.flags?.[TRACE_CONTEXT_FLAG], "the traced emitter's message carries its context");
  t.same(
    exporter.getFinishedSpans().map((span) => span.name),
    ['publish lobby:stats'],
    "only the emitter's span: the pods made none",
  );
});

import { randomBytes } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createEmitter, type EmitterMode } from '@gamesocket/emitter';
import { ADAPTER_STREAM, TRACE_CONTEXT_FLAG, intentStream } from '@gamesocket/protocol';
import {
  connectClient,
  createClient,
  eventually,
  mintToken,
  publishUntil,
  request,
  startPods,
  startRedis,
  startRedisCluster,
  waitFor,
  waitForCluster,
  type ConnectedClient,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'backend-api-token-for-tests';

// A backend's OpenTelemetry SDK registers the W3C propagator globally; the emitter writes its context with it.
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

/** A tracer provider that keeps every ended span in memory. */
function memoryTracing(): { exporter: InMemorySpanExporter; provider: TracerProvider } {
  const exporter = new InMemorySpanExporter();
  return { exporter, provider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }) };
}

const named = (exporter: InMemorySpanExporter, name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.name === name);
const traceOf = (span: ReadableSpan): string => span.spanContext().traceId;
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** Records the `tag`s of the `lobby:stats` a client receives. */
function tags(client: ConnectedClient): Set<string> {
  const seen = new Set<string>();
  client.socket.on('lobby:stats', (stats) => {
    const tag = (stats as { tag?: unknown }).tag;
    if (typeof tag === 'string') seen.add(tag);
  });
  return seen;
}

/** Tracing across the pods of one cluster mode: publishes (emitter, HTTP) and deliveries, handshakes, intents. */
async function tracingContract(t: TapTest, mode: EmitterMode, redisUrl: string): Promise<void> {
  const { exporter, provider } = memoryTracing();
  const pods = await startPods(
    t,
    2,
    { REDIS_URL: redisUrl, ADAPTER: mode, PUBLISH_API_TOKEN: API_TOKEN, MAX_CONNECTIONS_PER_USER: '1' },
    { tracerProvider: provider },
  );
  await waitForCluster(pods);
  const [podA, podB] = pods as [RunningService, RunningService];
  for (const pod of pods) t.ok(Object.hasOwn(pod.app.io.of('/').adapter, 'apply'), 'deliveries are observed');
  const emitter = await createEmitter({ redis: redisUrl, mode, tracerProvider: provider });
  t.teardown(() => emitter.close());

  const viewers = [await connectClient(t, podA.url), await connectClient(t, podB.url)];
  const seen = viewers.map(tags);
  for (const viewer of viewers) t.same(await viewer.socket.emitWithAck('lobby:join'), { ok: true });
  let seq = 0;
  const stats = (tag: string): never => ({ online: ++seq, connections: 0, nodes: 2, tag }) as never;
  const everyoneGot = (tag: string): boolean => seen.every((tags) => tags.has(tag));
  // Every pod reads its subscriptions (or stream) before the assertions start.
  await publishUntil(
    () => emitter.toLobby().emit('lobby:stats', stats('warmup')),
    () => everyoneGot('warmup'),
  );

  /** The delivery spans of `traceId`, once there is one per pod. */
  const deliveries = async (traceId: string): Promise<ReadableSpan[]> => {
    const ofTrace = (): ReadableSpan[] => named(exporter, 'deliver lobby:stats').filter((s) => traceOf(s) === traceId);
    await eventually(() => ofTrace().length === pods.length, 5000, `a delivery span on each pod for ${traceId}`);
    return ofTrace();
  };

  t.test('an emitter publish and its delivery on every pod share one trace', async (t) => {
    exporter.reset();
    await emitter.toLobby().emit('lobby:stats', stats('emitted'));
    await eventually(() => everyoneGot('emitted'));
    const publishes = named(exporter, 'publish lobby:stats');
    t.equal(publishes.length, 1, 'one publish span');
    const publish = publishes[0]!;
    t.match(publish.attributes, { 'gamesocket.mode': mode, 'gamesocket.event': 'lobby:stats' });
    t.same(publish.attributes['gamesocket.rooms'], ['lobby']);
    const delivered = await deliveries(traceOf(publish));
    t.same(delivered.map((span) => span.attributes['gamesocket.node_id']).sort(), ['pod-0', 'pod-1'], 'both pods');
    for (const span of delivered) {
      t.equal(parentOf(span), publish.spanContext().spanId, 'the delivery is a child of the publish');
      t.equal(span.attributes['gamesocket.sockets'], 1, 'it counts the sockets it reached');
    }
  });

  if (mode === 'redis-streams') {
    t.test('the trace context travels in the stream entry, in the message flags', async (t) => {
      const reader = new Redis(redisUrl);
      t.teardown(() => reader.quit());
      exporter.reset();
      await emitter.toLobby().emit('lobby:stats', stats('in-stream'));
      type Entry = { packet?: { data?: [string, { tag?: string }] }; opts?: { flags?: Record<string, unknown> } };
      const entries = (await reader.xrange(ADAPTER_STREAM, '-', '+')).map(
        ([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!) as Entry,
      );
      const entry = entries.find((data) => data.packet?.data?.[1]?.tag === 'in-stream');
      const publish = named(exporter, 'publish lobby:stats')[0]!;
      t.same(entry?.opts?.flags?.[TRACE_CONTEXT_FLAG], {
        traceparent: `00-${traceOf(publish)}-${publish.spanContext().spanId}-01`,
      });
      await eventually(() => everyoneGot('in-stream'));
    });
  }

  t.test('an HTTP publish continues the traceparent of its request, on every pod', async (t) => {
    exporter.reset();
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const res = await fetch(`${podA.url}/v1/publish`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${caller}-01`,
      },
      body: JSON.stringify({ to: 'lobby', event: 'lobby:stats', data: stats('http') }),
    });
    t.equal(res.status, 202);
    await eventually(() => everyoneGot('http'));
    const publish = named(exporter, 'publish lobby:stats').find((span) => traceOf(span) === traceId);
    t.ok(publish, 'the publish span joined the caller trace');
    t.equal(parentOf(publish!), caller, "a child of the caller's span");
    t.equal(publish!.attributes['gamesocket.source'], 'http');
    for (const span of await deliveries(traceId)) t.equal(parentOf(span), publish!.spanContext().spanId);

    const malformed = await fetch(`${podB.url}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', traceparent: 'garbage' },
      body: JSON.stringify({ to: 'lobby', event: 'lobby:stats', data: stats('malformed') }),
    });
    t.equal(malformed.status, 202, 'a malformed traceparent does not refuse the publish');
    await eventually(() => everyoneGot('malformed'));
  });

  t.test('a handshake has its span, with the token verification and the presence registration', async (t) => {
    exporter.reset();
    const token = await mintToken({ sub: 'u-hana', username: 'hana' });
    const hana = await connectClient(t, podA.url, { token });
    const handshakeOf = (userId: string, outcome: string) => (): ReadableSpan | undefined =>
      named(exporter, 'handshake').find(
        (span) =>
          span.attributes['gamesocket.user_id'] === userId &&
          span.attributes['gamesocket.handshake.outcome'] === outcome,
      );
    await eventually(() => handshakeOf('u-hana', 'connected')() !== undefined);
    const handshake = handshakeOf('u-hana', 'connected')()!;
    t.match(handshake.attributes, {
      'gamesocket.auth': 'ok',
      'gamesocket.node_id': 'pod-0',
      'gamesocket.recovered': false,
    });
    const children = exporter.getFinishedSpans().filter((span) => parentOf(span) === handshake.spanContext().spanId);
    t.same(children.map((span) => span.name).sort(), ['handshake.auth', 'handshake.presence']);
    t.equal(children.find((span) => span.name === 'handshake.auth')?.attributes['gamesocket.auth'], 'ok');
    for (const child of children) t.equal(traceOf(child), traceOf(handshake));

    // MAX_CONNECTIONS_PER_USER is 1: a second socket of hana is refused by the presence script.
    const second = createClient(t, podB.url, { token });
    const refused = (await waitFor<{ data?: { code?: string } }>(second, 'connect_error')).data?.code;
    t.equal(refused, 'CONNECTION_LIMIT');
    await eventually(() => handshakeOf('u-hana', 'refused')() !== undefined);
    const refusal = handshakeOf('u-hana', 'refused')()!;
    t.equal(refusal.attributes['error.type'], 'CONNECTION_LIMIT');
    const presence = exporter
      .getFinishedSpans()
      .find((span) => parentOf(span) === refusal.spanContext().spanId && span.name === 'handshake.presence');
    t.equal(presence?.attributes['error.type'], 'CONNECTION_LIMIT', 'the presence step is where it failed');

    const foreign = await fetch(`${podA.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example' },
    });
    t.equal(foreign.status, 403);
    await eventually(() =>
      named(exporter, 'handshake').some((span) => span.attributes['gamesocket.handshake.stage'] === 'origin'),
    );
    const origin = named(exporter, 'handshake').find(
      (span) => span.attributes['gamesocket.handshake.stage'] === 'origin',
    );
    t.match(origin?.attributes, { 'gamesocket.handshake.outcome': 'refused', 'error.type': 'FORBIDDEN' });

    const values = exporter.getFinishedSpans().flatMap((span) => Object.values(span.attributes).flat().map(String));
    t.notOk(
      values.some((value) => value.includes(token) || value.includes(token.split('.')[2]!)),
      'no token in any span',
    );
    hana.socket.disconnect();
  });

  t.test('an intent span carries the stream and the entry id', async (t) => {
    exporter.reset();
    const player = await connectClient(t, podB.url, { token: await mintToken({ sub: 'u-ivo', username: 'ivo' }) });
    const ack = await request<{ id: string }>(player.socket, 'room:create', { name: 'Traced', maxPlayers: 4 });
    t.ok(ack.ok, 'appended');
    const id = ack.ok ? ack.data?.id : undefined;
    await eventually(() => named(exporter, 'intent room:create').length === 1);
    t.match(named(exporter, 'intent room:create')[0]!.attributes, {
      'gamesocket.intent.stream': intentStream('room'),
      'gamesocket.intent.id': id,
      'gamesocket.user_id': 'u-ivo',
      'gamesocket.node_id': 'pod-1',
    });
  });
}

t.test('memory mode: an HTTP publish and its delivery share one trace', async (t) => {
  const { exporter, provider } = memoryTracing();
  const [pod] = (await startPods(t, 1, { PUBLISH_API_TOKEN: API_TOKEN }, { tracerProvider: provider })) as [
    RunningService,
  ];
  const viewer = await connectClient(t, pod.url);
  const seen = tags(viewer);
  t.same(await viewer.socket.emitWithAck('lobby:join'), { ok: true });
  const traceId = randomBytes(16).toString('hex');
  const res = await fetch(`${pod.url}/v1/publish`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      'content-type': 'application/json',
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    body: JSON.stringify({
      to: 'lobby',
      event: 'lobby:stats',
      data: { online: 1, connections: 1, nodes: 1, tag: 'm' },
    }),
  });
  t.equal(res.status, 202);
  await eventually(() => seen.has('m'));
  const publish = named(exporter, 'publish lobby:stats').find((span) => traceOf(span) === traceId);
  await eventually(() => named(exporter, 'deliver lobby:stats').some((span) => traceOf(span) === traceId));
  const deliver = named(exporter, 'deliver lobby:stats').find((span) => traceOf(span) === traceId);
  t.equal(parentOf(deliver!), publish?.spanContext().spanId, 'the delivery is a child of the publish');
  t.equal(deliver!.attributes['gamesocket.sockets'], 1);
});

t.test('redis (classic pub/sub)', async (t) => {
  const redis = await startRedis(t);
  await tracingContract(t, 'redis', redis.url);
});

t.test('redis-streams', async (t) => {
  const redis = await startRedis(t);
  await tracingContract(t, 'redis-streams', redis.url);
});

t.test('redis-sharded on a 3-master Redis Cluster', async (t) => {
  const cluster = await startRedisCluster(t);
  await tracingContract(t, 'redis-sharded', cluster.url);
});

/**
 * Slow consumers: a client that stops reading must cost the pod a bounded amount of memory
 * (MAX_BUFFERED_BYTES, then it is disconnected), never its other players' events; volatile
 * `match:state_update` is dropped for it instead of queued, whichever emitter sent it.
 */
import { readFile } from 'node:fs/promises';
import { Emitter as StockEmitter } from '@socket.io/redis-emitter';
import { createEmitter, type GameEmitter } from '@gamesocket/emitter';
import { Redis } from 'ioredis';
import t from 'tap';
import { WebSocket } from 'ws';
import {
  TEST_ORIGIN,
  type Teardown,
  type TestSocket,
  WAIT_MS,
  authCookie,
  connectClient,
  eventually,
  mintToken,
  request,
  spawnService,
  startRedis,
  startService,
  withTimeout,
  metricValue,
  scrapeMetrics,
} from '@gamesocket/test-helpers';

const MiB = 1024 * 1024;
/** What the pod may grow by while one client stops reading and its room gets 20 MiB. */
const RSS_BOUND_BYTES = 64 * MiB;
const EVENT_BYTES = 32 * 1024;

/** A raw Engine.IO/Socket.IO client over `ws`, so the test can stop reading its TCP socket. */
interface RawClient {
  ws: WebSocket;
  /** Event names received, in order. */
  events: string[];
  /** Payloads of one event name, in order. */
  payloads(event: string): unknown[];
  closed: Promise<void>;
}

async function rawClient(t: Teardown, url: string, token: string): Promise<RawClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { origin: TEST_ORIGIN, cookie: authCookie(token) },
  });
  t.teardown(() => ws.terminate());
  const events: string[] = [];
  const received: [string, unknown][] = [];
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const connected = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('0')) ws.send('40');
      else if (text === '2') ws.send('3');
      else if (text.startsWith('42')) {
        const [event, payload] = JSON.parse(text.slice(2)) as [string, unknown];
        events.push(event);
        received.push([event, payload]);
        if (event === 'system:connected') resolve();
      }
    });
  });
  await withTimeout(connected, WAIT_MS, 'raw client system:connected');
  return {
    ws,
    events,
    payloads: (event) => received.filter(([name]) => name === event).map(([, payload]) => payload),
    closed,
  };
}

/** Resident set size of a process, from /proc (Linux). */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Samples `pid`'s RSS every 50 ms until stopped; resolves with the maximum seen. */
function sampleRss(pid: number): { stop(): Promise<number> } {
  let max = 0;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = rssBytes(pid).then(
      (rss) => {
        max = Math.max(max, rss);
      },
      () => undefined,
    );
  }, 50);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      max = Math.max(max, await rssBytes(pid));
      return max;
    },
  };
}

/** Counts one event on socket.io clients and lets the publisher wait until every client has `n`. */
function progressOf(sockets: TestSocket[], event: string, check: (payload: unknown, index: number) => void) {
  const counts = sockets.map(() => 0);
  let waiter: { n: number; resolve: () => void } | undefined;
  sockets.forEach((socket, i) => {
    (socket as unknown as { on(event: string, fn: (payload: unknown) => void): void }).on(event, (payload) => {
      check(payload, counts[i] ?? 0);
      counts[i] = (counts[i] ?? 0) + 1;
      if (waiter !== undefined && Math.min(...counts) >= waiter.n) waiter.resolve();
    });
  });
  return {
    counts,
    /** Resolves once every client has received at least `n` (bounded by WAIT_MS). */
    atLeast(n: number): Promise<void> {
      if (Math.min(...counts) >= n) return Promise.resolve();
      return withTimeout(
        new Promise<void>((resolve) => {
          waiter = { n, resolve };
        }),
        WAIT_MS,
        `every client to receive ${n} ${event}`,
      );
    },
  };
}

async function joinRoom(emitter: GameEmitter, userIds: string[], room: string): Promise<void> {
  for (const userId of userIds) await emitter.joinRoom({ userId, rooms: [room] });
}

t.test('a client that stops reading while its room gets 20 MiB', async (t) => {
  const redis = await startRedis(t);
  const pod = await spawnService(t, { REDIS_URL: redis.url, ADAPTER: 'redis', NODE_ID: 'slow-pod' });
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());

  const slow = await rawClient(t, pod.url, await mintToken({ sub: 'slow' }));
  const members = [
    await connectClient(t, pod.url, { token: await mintToken({ sub: 'fast-1' }) }),
    await connectClient(t, pod.url, { token: await mintToken({ sub: 'fast-2' }) }),
  ];
  await joinRoom(emitter, ['slow', 'fast-1', 'fast-2'], 'room:flood');

  let outOfOrder = 0;
  const progress = progressOf(
    members.map((m) => m.socket),
    'room:update',
    (payload, index) => {
      if ((payload as { seq: number }).seq !== index) outOfOrder++;
    },
  );
  const blob = 'x'.repeat(EVENT_BYTES);
  let seq = 0;
  // The publisher keeps a window of events in flight to the healthy members (they read as fast as
  // they can; the window only stops this test process from out-running its own clients).
  const WINDOW = 8;
  const publish = async (bytes: number): Promise<void> => {
    for (let sent = 0; sent < bytes; sent += EVENT_BYTES) {
      await progress.atLeast(seq - WINDOW);
      await emitter
        .toRoom('flood')
        .emit('room:update', { roomId: 'flood', name: 'flood', players: 3, maxPlayers: 3, seq: seq++, blob });
    }
    await progress.atLeast(seq);
  };

  // Warm up the path (everyone reading), so the baseline includes the pod's steady-state heap.
  await publish(2 * MiB);
  await eventually(() => slow.payloads('room:update').length === seq, WAIT_MS, 'the raw client reads the warm-up');
  const warmup = seq;
  const baseline = await rssBytes(pod.child.pid as number);

  slow.ws.pause(); // stops reading its TCP socket: the kernel buffers fill, then the pod's
  const sampler = sampleRss(pod.child.pid as number);
  await publish(20 * MiB);
  const maxRss = await sampler.stop();
  const growth = maxRss - baseline;

  const text = await scrapeMetrics(pod.url);
  const flood = seq - warmup;
  t.comment(
    `slow consumer: ${flood} events (${((flood * EVENT_BYTES) / MiB).toFixed(1)} MiB) published while it did not read; ` +
      `pod RSS ${(baseline / MiB).toFixed(1)} MiB before, max ${(maxRss / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(1)} MiB ` +
      `(bound ${RSS_BOUND_BYTES / MiB} MiB)`,
  );
  t.equal(
    metricValue(text, 'gamesocket_slow_consumer_disconnects_total', 'transport="websocket"'),
    1,
    'the slow consumer was disconnected and counted',
  );
  t.equal(
    metricValue(text, 'gamesocket_disconnects_total', 'reason="slow consumer"'),
    1,
    'its disconnect reason is "slow consumer"',
  );
  t.ok(
    pod.lines.some((line) => line.includes('slow consumer disconnected') && line.includes('"bufferedBytes"')),
    'and logged with the bytes that waited for it',
  );
  t.ok(
    growth < RSS_BOUND_BYTES,
    `RSS growth ${(growth / MiB).toFixed(1)} MiB stays under ${RSS_BOUND_BYTES / MiB} MiB`,
  );
  t.same(progress.counts, [seq, seq], `both healthy members received all ${seq} events`);
  t.equal(outOfOrder, 0, 'in order');

  slow.ws.resume();
  await withTimeout(slow.closed, WAIT_MS * 2, 'the slow client to see its connection closed');
  const got = slow.payloads('room:update').length;
  t.ok(got < seq, `the slow client got ${got} of ${seq} events, then its connection ended`);
  const health = await fetch(`${pod.url}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
  t.equal(health.status, 200, 'the pod is healthy');
});

t.test('match:state_update is dropped for a backed-up client, not queued, from either emitter', async (t) => {
  const redis = await startRedis(t);
  const pod = await spawnService(t, { REDIS_URL: redis.url, ADAPTER: 'redis', NODE_ID: 'volatile-pod' });
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  const stockClient = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => stockClient.disconnect());
  // The stock emitter knows nothing of our catalogue: it sends state updates without the volatile flag.
  const stock = new StockEmitter(stockClient);

  const slow = await rawClient(t, pod.url, await mintToken({ sub: 'lagging' }));
  const viewer = await connectClient(t, pod.url, { token: await mintToken({ sub: 'viewer' }) });
  await joinRoom(emitter, ['lagging', 'viewer'], 'match:m1');

  let outOfOrder = 0;
  const progress = progressOf([viewer.socket], 'match:state_update', (payload, index) => {
    if ((payload as { seq: number }).seq !== index) outOfOrder++;
  });
  const state = 's'.repeat(EVENT_BYTES);
  let seq = 0;
  slow.ws.pause();
  const sendVia = async (via: 'emitter' | 'stock', bytes: number): Promise<number> => {
    const before = metricValue(await scrapeMetrics(pod.url), 'gamesocket_volatile_dropped_total');
    for (let sent = 0; sent < bytes; sent += EVENT_BYTES) {
      const payload = { matchId: 'm1', seq: seq++, state };
      if (via === 'emitter') await emitter.toMatch('m1').emit('match:state_update', payload);
      else stock.to('match:m1').emit('match:state_update', payload);
      // One at a time: a healthy client never has a backlog, so it must get every update.
      await progress.atLeast(seq);
    }
    return metricValue(await scrapeMetrics(pod.url), 'gamesocket_volatile_dropped_total') - before;
  };
  const droppedEmitter = await sendVia('emitter', 8 * MiB);
  const droppedStock = await sendVia('stock', 8 * MiB);
  t.comment(
    `volatile: ${seq} state updates of 32 KiB; dropped for the paused client: ${droppedEmitter} (emitter), ${droppedStock} (stock emitter)`,
  );
  t.ok(droppedEmitter > 0, 'dropped for the paused client (gamesocket emitter)');
  t.ok(droppedStock > 0, 'dropped for the paused client (stock @socket.io/redis-emitter, no volatile flag)');
  t.equal(progress.counts[0], seq, 'the healthy viewer received every state update');
  t.equal(outOfOrder, 0);
  const text = await scrapeMetrics(pod.url);
  t.equal(
    metricValue(text, 'gamesocket_slow_consumer_disconnects_total'),
    0,
    'dropping, not queueing: no slow consumer',
  );

  // The paused client is still connected: once it reads again it gets what fit before the drops and
  // then a normal event published afterwards.
  slow.ws.resume();
  await emitter.toMatch('m1').emit('match:ended', { matchId: 'm1' });
  await eventually(() => slow.events.includes('match:ended'), WAIT_MS, 'the resumed client gets match:ended');
  const got = slow.payloads('match:state_update').length;
  t.ok(got < seq, `the paused client got ${got} of ${seq} state updates; the rest were dropped, not queued`);
  t.equal(slow.ws.readyState, WebSocket.OPEN, 'and it is still connected');
});

/** A raw long-polling session: handshake, CONNECT, one poll; then it polls only when told. */
async function rawPollingSession(url: string): Promise<{ sid: string; poll(): Promise<string> }> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const headers = { origin: TEST_ORIGIN };
  const get = async (query: string): Promise<string> =>
    (await fetch(`${base}${query}`, { headers, signal: AbortSignal.timeout(WAIT_MS) })).text();
  const open = await get('');
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const post = async (body: string): Promise<void> => {
    const res = await fetch(`${base}&sid=${sid}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
      body,
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await res.text();
  };
  await post('40');
  await eventually(async () => (await get(`&sid=${sid}`)).includes('system:connected'), WAIT_MS, 'CONNECT answered');
  await post('421["lobby:join"]');
  await eventually(async () => (await get(`&sid=${sid}`)).includes('431[{"ok":true}]'), WAIT_MS, 'lobby joined');
  return { sid, poll: () => get(`&sid=${sid}`) };
}

t.test('a long-polling client that stops polling is a slow consumer too', async (t) => {
  const service = await startService(t, { MAX_BUFFERED_BYTES: String(256 * 1024) });
  const idle = await rawPollingSession(service.url);
  const member = await connectClient(t, service.url);
  t.same(await request(member.socket, 'lobby:join'), { ok: true });
  const progress = progressOf([member.socket], 'room:update', () => undefined);

  const blob = 'p'.repeat(EVENT_BYTES);
  for (let seq = 0; seq < 32; seq++) {
    service.app.io.to('lobby').emit('room:update', { roomId: 'r', name: 'r', players: 1, maxPlayers: 2, seq, blob });
    await progress.atLeast(seq + 1);
  }
  const text = await scrapeMetrics(service.url);
  t.equal(
    metricValue(text, 'gamesocket_slow_consumer_disconnects_total', 'transport="polling"'),
    1,
    'the session that stopped polling went over MAX_BUFFERED_BYTES (256 KiB) and was closed',
  );
  t.equal(service.app.io.engine.clientsCount, 1, 'its Engine.IO session is gone (and what waited for it)');
  t.equal(progress.counts[0], 32, 'the member in the same room got all 32 events');
  const late = await fetch(`${service.url}/socket.io/?EIO=4&transport=polling&sid=${idle.sid}`, {
    headers: { origin: TEST_ORIGIN },
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await late.text();
  t.equal(late.status, 400, 'a late poll finds no session');
});

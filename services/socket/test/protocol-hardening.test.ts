import t from 'tap';
import { io as ioClient } from 'socket.io-client';
import { MAX_ATTACHMENTS, MAX_CONNECTS_PER_CONNECTION, MAX_NESTING } from '../src/events/packet-guard.js';
import { MAX_POLLING_CHUNKS } from '../src/socket-server.js';
import {
  RECORD_SEPARATOR,
  type RawSocket,
  type RunningService,
  type Teardown,
  TEST_ORIGIN,
  WAIT_MS,
  authCookie,
  connectClient,
  eventually,
  isSystemError,
  mintToken,
  openRawPolling,
  openRawSocket,
  parseEvent,
  pollUntilClosed,
  rawConnect,
  request,
  startService,
  trickleRequest,
  withTimeout,
} from '@gamesocket/test-helpers';

// Every class of hostile input a public Socket.IO endpoint gets, sent by raw Engine.IO v4 clients
// (`ws` frames and long-polling requests written by hand): each is refused or ignored with a stable
// code, only the offending connection suffers, and the service keeps serving everyone else.

async function refusals(service: RunningService, kind: string): Promise<number> {
  const metric = await service.app.metrics.protocolRefusals.get();
  return metric.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

async function handshakes(service: RunningService, result: string): Promise<number> {
  const metric = await service.app.metrics.handshakes.get();
  return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
}

/** A raw socket connected to `/` (system:connected received). */
async function connectedRaw(t: Teardown, url: string, cookie?: string): Promise<RawSocket> {
  const raw = await openRawSocket(t, url, cookie === undefined ? {} : { cookie });
  const answer = await rawConnect(raw);
  if (!answer.startsWith('40{')) throw new Error(`CONNECT refused: ${answer}`);
  await raw.next((f) => parseEvent(f)?.[0] === 'system:connected');
  return raw;
}

/** The service still serves: /healthz is 200 and a fresh client gets a system:ping answer. */
async function stillServes(t: Teardown, url: string): Promise<boolean> {
  const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
  const { socket } = await connectClient(t, url);
  const pong = (await request(socket, 'system:ping')) as unknown as { pong?: boolean };
  socket.disconnect();
  return health.status === 200 && pong.pong === true;
}

t.test('only the default namespace is served', async (t) => {
  const service = await startService(t);
  const { url } = service;

  for (const nsp of ['/admin', '/anything', `/${'x'.repeat(2000)}`, '/../admin']) {
    t.test(`CONNECT ${nsp.slice(0, 20)} gets connect_error INVALID_PAYLOAD; the connection stays`, async (t) => {
      const raw = await openRawSocket(t, url);
      const answer = await rawConnect(raw, nsp);
      t.ok(answer.startsWith(`44${nsp},`), 'a CONNECT_ERROR packet for that namespace');
      t.match(JSON.parse(answer.slice(nsp.length + 3)), {
        message: 'Invalid namespace',
        data: { code: 'INVALID_PAYLOAD', message: String },
      });
      t.ok(raw.isOpen(), 'the connection is not closed for it');
      t.ok((await rawConnect(raw)).startsWith('40{'), 'and may still join /');
    });
  }

  t.test('socket.io-client sees err.data.code on connect_error', async (t) => {
    const socket = ioClient(`${url}/admin`, {
      transports: ['websocket'],
      extraHeaders: { origin: TEST_ORIGIN },
      reconnection: false,
      forceNew: true,
    });
    t.teardown(() => socket.disconnect());
    const err = await withTimeout(
      new Promise<Error & { data?: unknown }>((resolve) => socket.once('connect_error', resolve)),
      WAIT_MS,
      'connect_error',
    );
    t.equal(err.message, 'Invalid namespace');
    t.match(err.data, { code: 'INVALID_PAYLOAD', message: 'namespace /admin is not served' });
  });

  t.test('an event for a namespace the connection never joined closes it', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send('42/admin,["system:ping"]');
    await withTimeout(raw.closed, WAIT_MS, 'close');
    t.pass('closed');
  });

  t.test('refusals are counted; the service serves on', async (t) => {
    t.ok((await refusals(service, 'namespace')) >= 5, 'gamesocket_protocol_refusals_total{kind="namespace"}');
    t.ok(await stillServes(t, url));
  });
});

t.test('malformed Engine.IO packets close only that connection', async (t) => {
  const service = await startService(t);
  const { url } = service;
  const bystander = await connectedRaw(t, url);

  const frames: [string, string | Buffer][] = [
    ['an unknown packet type', '9'],
    ['an empty frame', ''],
    ['a non-digit type', 'x{}'],
    ['a ping from the client (wrong heartbeat direction)', '2'],
    ['a binary frame outside a binary packet', Buffer.from([1, 2, 3])],
  ];
  for (const [name, frame] of frames) {
    t.test(name, async (t) => {
      const raw = await connectedRaw(t, url);
      raw.send(frame);
      await withTimeout(raw.closed, WAIT_MS, 'close');
      t.pass('that connection is closed');
    });
  }

  t.test('the same over long-polling', async (t) => {
    for (const body of ['9', `40${RECORD_SEPARATOR}x`, 'b' + Buffer.from('garbage').toString('base64')]) {
      const polling = await openRawPolling(url);
      await polling.post('40');
      await polling.post(body);
      await pollUntilClosed(polling);
      t.pass(`${JSON.stringify(body)}: the session ended`);
    }
  });

  t.test('the bystander never noticed', async (t) => {
    bystander.send('42["system:ping"]');
    await bystander.next((f) => parseEvent(f)?.[0] === 'system:pong');
    t.ok(bystander.isOpen());
    t.ok(await stillServes(t, url));
  });
});

t.test('malformed Socket.IO packets: system:error INVALID_PAYLOAD, then that connection closes', async (t) => {
  const service = await startService(t);
  const { url } = service;

  const packets: [string, string][] = [
    ['an unknown Socket.IO packet type', '47["system:ping"]'],
    ['an event that is an object', '42{"event":"system:ping"}'],
    ['an empty event array', '42[]'],
    ['a null event name', '42[null]'],
    ['a reserved event name', '42["connect"]'],
    ['another reserved event name', '42["disconnecting"]'],
    ['broken JSON', '42["system:ping"'],
    ['trailing garbage', '42["system:ping"]]]'],
    ['a DISCONNECT with a payload', '41{"reason":"x"}'],
    ['an ack that is not an array', '43{"ok":true}'],
  ];
  for (const [name, packet] of packets) {
    t.test(name, async (t) => {
      const raw = await connectedRaw(t, url);
      raw.send(packet);
      const error = await raw.next(isSystemError('INVALID_PAYLOAD'), WAIT_MS, 'system:error');
      t.match(parseEvent(error)?.[1], { code: 'INVALID_PAYLOAD', message: /connection closed/ });
      await withTimeout(raw.closed, WAIT_MS, 'close');
    });
  }

  t.test('a second CONNECT after joining closes the connection (Socket.IO: invalid state)', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send('40');
    await withTimeout(raw.closed, WAIT_MS, 'close');
    t.pass('closed');
  });

  t.test('harmless oddities are ignored, the socket stays', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send('43[]'); // an ack nobody asked for
    raw.send('439999[1,2,3]'); // another
    raw.send('42'); // an event with no payload at all: an unknown event
    await raw.next(isSystemError('INVALID_PAYLOAD'));
    raw.send('42["system:ping"]');
    await raw.next((f) => parseEvent(f)?.[0] === 'system:pong');
    t.ok(raw.isOpen());
  });

  t.test('counted as malformed; the service serves on', async (t) => {
    t.ok((await refusals(service, 'malformed')) >= packets.length);
    t.ok(await stillServes(t, url));
  });
});

t.test('binary attachments: lying counts and stray buffers are refused', async (t) => {
  const service = await startService(t);
  const { url } = service;
  const placeholder = (num: number): string => JSON.stringify({ _placeholder: true, num });

  t.test('a well-formed binary event reaches the schema check: INVALID_PAYLOAD, socket stays', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send(`451-7["system:ping",${placeholder(0)}]`);
    raw.send(Buffer.from('binary'));
    const ack = await raw.next((f) => f.startsWith('437['));
    t.match(JSON.parse(ack.slice(3)), [{ ok: false, error: { code: 'INVALID_PAYLOAD' } }]);
    t.ok(raw.isOpen());
  });

  const refused: [string, (string | Buffer)[]][] = [
    [`more than ${MAX_ATTACHMENTS} attachments`, [`45${MAX_ATTACHMENTS + 1}-["system:ping"]`]],
    ['a huge attachment count', ['4599999999999-["system:ping"]']],
    ['a zero attachment count', ['450-["system:ping"]']],
    ['a negative attachment count', ['45-1-["system:ping"]']],
    ['a non-numeric attachment count', ['45x-["system:ping"]']],
    ['a placeholder beyond the count', [`451-["system:ping",${placeholder(3)}]`, Buffer.from('a')]],
    ['a placeholder with a string index', [`451-["system:ping",{"_placeholder":true,"num":"0"}]`, Buffer.from('a')]],
    ['text where a buffer is due (the count lied)', ['452-["system:ping"]', Buffer.from('a'), '42["system:ping"]']],
    ['a binary ack with a lying count', ['463-[]', '42["system:ping"]']],
  ];
  for (const [name, frames] of refused) {
    t.test(name, async (t) => {
      const raw = await connectedRaw(t, url);
      for (const frame of frames) raw.send(frame);
      await raw.next(isSystemError('INVALID_PAYLOAD'), WAIT_MS, 'system:error');
      await withTimeout(raw.closed, WAIT_MS, 'close');
      t.pass('system:error, then closed');
    });
  }

  t.test('a count that never completes: the service serves on; text while buffers are due closes it', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send(`45${MAX_ATTACHMENTS}-["system:ping"]`);
    raw.send(Buffer.alloc(1000));
    t.ok(await stillServes(t, url));
    raw.send('42["system:ping"]'); // text while buffers are due: refused
    await withTimeout(raw.closed, WAIT_MS, 'close');
    t.pass('closed');
  });
});

t.test('unknown and hostile event names get INVALID_PAYLOAD; the socket stays', async (t) => {
  const service = await startService(t, { RATE_LIMIT_BURST: '1000' });
  const raw = await connectedRaw(t, service.url);
  const names = [
    'nope:nope',
    'admin:shutdown',
    'error',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'system:connected',
    `x${'y'.repeat(5000)}`,
  ];
  for (const [i, name] of names.entries()) {
    raw.send(`42${100 + i}${JSON.stringify([name, {}])}`);
    const ack = await raw.next((f) => f.startsWith(`43${100 + i}[`), WAIT_MS, `ack of ${name.slice(0, 20)}`);
    t.match(JSON.parse(ack.slice(5)), [{ ok: false, error: { code: 'INVALID_PAYLOAD' } }], name.slice(0, 20));
  }
  raw.send('42[12345]');
  t.match(parseEvent(await raw.next(isSystemError('INVALID_PAYLOAD'))), ['system:error', { event: '12345' }]);
  t.ok(raw.isOpen(), 'never disconnected for a name');
});

t.test('ack ids must be safe integers', async (t) => {
  const service = await startService(t);
  const { url } = service;

  t.test('the largest safe integer is answered', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send(`42${Number.MAX_SAFE_INTEGER}["system:ping"]`);
    const ack = await raw.next((f) => f.startsWith(`43${Number.MAX_SAFE_INTEGER}[`));
    t.match(JSON.parse(ack.slice(2 + String(Number.MAX_SAFE_INTEGER).length)), [{ pong: true }]);
  });

  for (const [name, packet] of [
    ['one past it', `42${Number.MAX_SAFE_INTEGER + 2}["system:ping"]`],
    ['400 digits (Infinity)', `42${'9'.repeat(400)}["system:ping"]`],
    ['a huge id on an ack', `43${'9'.repeat(40)}[]`],
  ] as const) {
    t.test(name, async (t) => {
      const raw = await connectedRaw(t, url);
      raw.send(packet);
      await raw.next(isSystemError('INVALID_PAYLOAD'));
      await withTimeout(raw.closed, WAIT_MS, 'close');
      t.pass('system:error, then closed');
    });
  }
  t.test('counted', async (t) => {
    t.equal(await refusals(service, 'ack_id'), 3);
  });
});

t.test('oversized and deeply nested payloads', async (t) => {
  const service = await startService(t, { MAX_PAYLOAD_BYTES: '4096' });
  const { url } = service;
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  t.test('a frame over MAX_PAYLOAD_BYTES: WebSocket close 1009', async (t) => {
    const raw = await connectedRaw(t, url);
    raw.send(`42["system:ping","${'a'.repeat(5000)}"]`);
    t.equal((await withTimeout(raw.closed, WAIT_MS, 'close')).code, 1009);
  });

  t.test('a polling body over MAX_PAYLOAD_BYTES: 413 and the session ends', async (t) => {
    const polling = await openRawPolling(url);
    await polling.post('40');
    t.equal((await polling.post(`42["system:ping","${'a'.repeat(5000)}"]`)).status, 413);
    await pollUntilClosed(polling);
  });

  t.test(`nesting ${MAX_NESTING} deep reaches the schema: INVALID_PAYLOAD, socket stays`, async (t) => {
    const raw = await connectedRaw(t, url);
    // lobby:stats takes no payload (system:ping takes any JSON value, nested ones too).
    raw.send(`421["lobby:stats",${nested(MAX_NESTING - 1)}]`);
    t.match(JSON.parse((await raw.next((f) => f.startsWith('431['))).slice(3)), [
      { ok: false, error: { code: 'INVALID_PAYLOAD' } },
    ]);
    raw.send(`422["lobby:stats","${nested(200)}"]`); // brackets inside a string are not nesting
    t.match(JSON.parse((await raw.next((f) => f.startsWith('432['))).slice(3)), [
      { ok: false, error: { code: 'INVALID_PAYLOAD' } },
    ]);
    t.ok(raw.isOpen());
  });

  for (const [name, packet] of [
    [`an event nested ${MAX_NESTING + 1} deep`, `42["system:ping",${nested(MAX_NESTING)}]`],
    ['an event nested 2000 deep', `42["system:ping",${nested(2000)}]`],
    [
      'a binary event nested 2000 deep',
      `451-["system:ping",${'['.repeat(2000)}{"_placeholder":true,"num":0}${']'.repeat(2000)}]`,
    ],
  ] as const) {
    t.test(`${name}: system:error INVALID_PAYLOAD, then closed`, async (t) => {
      const raw = await connectedRaw(t, url);
      raw.send(packet);
      t.match(parseEvent(await raw.next(isSystemError('INVALID_PAYLOAD'))), [
        'system:error',
        { message: /nested deeper/ },
      ]);
      await withTimeout(raw.closed, WAIT_MS, 'close');
    });
  }

  t.test('a CONNECT auth object nested 2000 deep closes the connection', async (t) => {
    const raw = await openRawSocket(t, url);
    raw.send(`40{"a":${nested(2000)}}`);
    await withTimeout(raw.closed, WAIT_MS, 'close');
    t.ok(await refusals(service, 'nesting'), 'counted');
    t.ok(await stillServes(t, url));
  });
});

t.test('__proto__ and constructor keys pollute nothing', async (t) => {
  const protoNames = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
  const arrayNames = (): string[] => Object.getOwnPropertyNames(Array.prototype).sort();
  const before = { object: protoNames(), array: arrayNames() };
  const service = await startService(t, { RATE_LIMIT_BURST: '1000' });
  const { url } = service;
  const token = await mintToken({ sub: 'proto-u1', username: 'proto', role: 'player' });
  const poison = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';

  const events = [
    `["player:status_change",${poison}]`,
    `["player:status_change",{"status":"away","__proto__":{"polluted":"yes"}}]`,
    `["room:create",{"name":"r","settings":${poison}}]`,
    `["room:create",{"name":"r","settings":{"constructor":"x","toString":"y"}}]`,
    `["room:create",{"name":"r","settings":{"prototype":1}}]`,
    `["player:watch",{"userIds":["__proto__","constructor"],"__proto__":[]}]`,
    `["lobby:join",${poison}]`,
    `["__proto__",${poison}]`,
    `["constructor",{"prototype":{"polluted":"yes"}}]`,
  ];

  t.test('event payloads with poisoned keys: INVALID_PAYLOAD, no ack slips through', async (t) => {
    const raw = await connectedRaw(t, url, authCookie(token));
    for (const [i, event] of events.entries()) {
      raw.send(`42${i}${event}`);
      const ack = await raw.next((f) => f.startsWith(`43${i}[`), WAIT_MS, `ack ${i}`);
      t.match(JSON.parse(ack.slice(2 + String(i).length)), [{ ok: false, error: { code: 'INVALID_PAYLOAD' } }], event);
    }
  });

  t.test('a poisoned CONNECT auth object, query string and cookie', async (t) => {
    const raw = await openRawSocket(t, url, {
      query: '&__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x',
      cookie: `__proto__=x; constructor=y; ${authCookie(token)}`,
    });
    raw.send(`40${poison.slice(0, -1)},"pid":"__proto__","offset":"constructor"}`);
    await raw.next((f) => parseEvent(f)?.[0] === 'system:connected');
    raw.send(`42["player:status_change",${poison}]`);
    await raw.next(isSystemError('INVALID_PAYLOAD'));
    t.pass('connected, and the poisoned event was refused');
  });

  t.test('the same over long-polling', async (t) => {
    const polling = await openRawPolling(url, { cookie: authCookie(token) });
    await polling.post(`40${poison}`);
    // Events before the CONNECT answer would close the session (Socket.IO: invalid state).
    const first = await polling.get();
    t.ok(
      first.packets.some((p) => p.startsWith('40{')),
      `connected: ${first.packets.join(' | ').slice(0, 400)}`,
    );
    await polling.post(events.map((event) => `42${event}`).join(RECORD_SEPARATOR));
    const refused: string[] = [];
    await eventually(
      async () => {
        refused.push(...(await polling.get()).packets.filter(isSystemError('INVALID_PAYLOAD')));
        return refused.length === events.length;
      },
      WAIT_MS,
      'every poisoned event refused',
    );
    t.equal(refused.length, events.length, 'every poisoned event was refused');
  });

  t.test('the HTTP API refuses poisoned JSON bodies', async (t) => {
    const api = await startService(t, { PUBLISH_API_TOKEN: 'proto-api-token-0123456789' });
    const res = await fetch(`${api.url}/v1/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer proto-api-token-0123456789', 'content-type': 'application/json' },
      body: `{"to":"lobby","event":"lobby:stats","data":{},"__proto__":{"polluted":"yes"}}`,
      signal: AbortSignal.timeout(WAIT_MS),
    });
    t.equal(res.status, 400);
  });

  t.test('Object.prototype and Array.prototype are unchanged in this (the service) process', async (t) => {
    t.same(protoNames(), before.object);
    t.same(arrayNames(), before.array);
    t.equal(({} as Record<string, unknown>).polluted, undefined);
    t.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
    t.equal(Object.create(null).polluted, undefined);
    t.ok(await stillServes(t, url));
  });
});

t.test('one namespace handshake at a time per connection', async (t) => {
  const service = await startService(t);
  const { url } = service;

  t.test('CONNECTs sent together (one polling body): one socket, the rest refused', async (t) => {
    const token = await mintToken({ sub: 'dup-u1', username: 'dup', role: 'player' });
    const polling = await openRawPolling(url, { cookie: authCookie(token) });
    const count = MAX_CONNECTS_PER_CONNECTION;
    // Some with a recovery pid: their socket is created later (the owner lookup), after the first connected.
    const connects = ['40', '40{"pid":"nope","offset":"0-0"}', '40', '40{"pid":"nope-2","offset":"1"}'];
    t.equal(connects.length, count);
    t.equal((await polling.post(connects.join(RECORD_SEPARATOR))).status, 200);
    const packets: string[] = [];
    await eventually(
      async () => {
        packets.push(...(await polling.get()).packets);
        return packets.filter((p) => p.startsWith('40{') || p.startsWith('44')).length === count;
      },
      WAIT_MS,
      'every CONNECT answered',
    );
    t.equal(packets.filter((p) => p.startsWith('40{')).length, 1, 'exactly one socket');
    const refusedPackets = packets.filter((p) => p.startsWith('44'));
    t.equal(refusedPackets.length, count - 1);
    for (const p of refusedPackets) t.match(JSON.parse(p.slice(2)), { data: { code: 'INVALID_PAYLOAD' } });
    t.equal(service.app.io.of('/').sockets.size, 1, 'one socket on the server');
    t.equal(await handshakes(service, 'connect_pending'), count - 1, 'refusals counted');
  });

  t.test(`more than ${MAX_CONNECTS_PER_CONNECTION} CONNECTs on one connection close it`, async (t) => {
    const polling = await openRawPolling(url);
    await polling.post(Array(5000).fill('40').join(RECORD_SEPARATOR));
    await eventually(async () => (await polling.get().catch(() => ({ status: 0 }))).status !== 200, WAIT_MS, 'end');
    t.ok((await refusals(service, 'connect_repeat')) >= 1, 'counted');
    await eventually(() => service.app.io.of('/').sockets.size <= 1, WAIT_MS, 'no socket left from it');
    t.ok(await stillServes(t, url));
  });
});

t.test('long-polling abuse', async (t) => {
  const service = await startService(t, { REQUEST_BODY_TIMEOUT_MS: '1000' });
  const { url, port } = service;
  const bystander = await connectedRaw(t, url);
  const postHead = (path: string, length: number): string =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${TEST_ORIGIN}\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${length}\r\nConnection: close\r\n\r\n`;
  const sessionPath = (sid: string): string => `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;

  t.test('a trickled POST body gets 408 and ends the session', async (t) => {
    const polling = await openRawPolling(url);
    await polling.post('40');
    await eventually(() => service.app.io.of('/').sockets.size === 2, WAIT_MS, 'socket up');
    const body = '42["system:ping"]';
    const result = await trickleRequest(port, postHead(sessionPath(polling.sid), body.length), body, {
      chunkSize: 1,
      intervalMs: 400,
      timeoutMs: WAIT_MS * 2,
    });
    t.equal(result.status, 408, `408 after ${result.written} of ${body.length} bytes`);
    t.ok(result.written < body.length, 'cut off before the body was complete');
    await eventually(() => service.app.io.of('/').sockets.size === 1, WAIT_MS, 'the socket is gone');
  });

  t.test('a trickled body outside any session is cut off too (HTTP request timeout)', async (t) => {
    const body = 'x'.repeat(100);
    const result = await trickleRequest(port, postHead('/v1/publish', body.length), body, {
      chunkSize: 1,
      intervalMs: 200,
      timeoutMs: WAIT_MS * 2,
    });
    t.ok(result.written < body.length, `the server closed after ${result.written} of ${body.length} bytes`);
  });

  t.test(`a POST body in more than ${MAX_POLLING_CHUNKS} chunks gets 413`, async (t) => {
    // Its own service: at 1 s this body would hit the body timeout first.
    const patient = await startService(t);
    const polling = await openRawPolling(patient.url);
    await polling.post('40');
    const body = `42["system:ping","${'a'.repeat(8000)}"]`;
    const result = await trickleRequest(patient.port, postHead(sessionPath(polling.sid), body.length), body, {
      chunkSize: 4,
      intervalMs: 3,
      timeoutMs: WAIT_MS * 4,
    });
    t.equal(result.status, 413, `413 after ${result.written} bytes`);
  });

  t.test('overlapping POSTs: 400 and the session ends', async (t) => {
    const polling = await openRawPolling(url);
    await polling.post('40');
    const body = '42["system:ping"]';
    const slow = trickleRequest(port, postHead(sessionPath(polling.sid), body.length), body, {
      chunkSize: 1,
      intervalMs: 100,
      timeoutMs: WAIT_MS * 2,
    });
    await eventually(async () => (await polling.post('42["system:ping"]')).status === 400, WAIT_MS, '400');
    await slow;
    await pollUntilClosed(polling);
    t.pass('the session ended');
  });

  t.test('the bystander on WebSocket never noticed', async (t) => {
    bystander.send('42["system:ping"]');
    await bystander.next((f) => parseEvent(f)?.[0] === 'system:pong');
    t.ok(bystander.isOpen());
    t.ok(await stillServes(t, url));
  });
});

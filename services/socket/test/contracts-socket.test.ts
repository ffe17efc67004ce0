/**
 * What the service sends over Socket.IO matches the schemas docs/asyncapi.json is generated from (the contracts
 * test checks that the committed document is exactly that generation): server payloads, acks and the error codes
 * each event is documented to answer.
 */
import t from 'tap';
import {
  CLIENT_ACK_DATA_SCHEMAS,
  ErrorBodySchema,
  PingResponseSchema,
  SERVER_EVENT_SCHEMAS,
  errorsOf,
  type ClientEventName,
  type ServerEventName,
  type TSchema,
} from '@gamesocket/protocol';
import { Value } from '@sinclair/typebox/value';
import {
  connectClient,
  mintToken,
  startService,
  waitFor,
  type TapTest,
  type TestSocket,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'contracts-socket-api-token';

const show = (value: unknown): string => JSON.stringify(value)?.slice(0, 160) ?? String(value);

/** Checks a value against a schema, naming both when it fails. */
function conforms(t: TapTest, schema: TSchema, value: unknown, what: string): void {
  t.ok(Value.Check(schema, value), `${what}: ${show(value)}`);
}

/** Sends a client event with an ack and checks the answer against its documented ack; `expect`: 'ok' or an error code. */
async function checkAck(
  t: TapTest,
  socket: TestSocket,
  event: ClientEventName,
  payload: unknown,
  expect: string,
): Promise<void> {
  const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(...args: unknown[]): Promise<unknown> } };
  const args = payload === undefined ? [event] : [event, payload];
  const answer = (await untyped.timeout(5000).emitWithAck(...args)) as Record<string, unknown>;
  if (expect !== 'ok') {
    t.match(answer, { ok: false, error: { code: expect } }, `${event} answers ${expect}`);
    conforms(t, ErrorBodySchema, answer.error, `${event}: the error body`);
    t.ok(errorsOf(event).includes(expect as never), `${event} is documented to answer ${expect}`);
    return;
  }
  if (event === 'system:ping') return conforms(t, PingResponseSchema, answer, 'system:ping ack, outside the envelope');
  const data = CLIENT_ACK_DATA_SCHEMAS[event];
  if (data === undefined) t.strictSame(answer, { ok: true }, `${event} ack: { ok: true }`);
  else {
    t.equal(answer.ok, true, `${event} ack is ok`);
    conforms(t, data, answer.data, `${event} ack data`);
  }
}

/** Waits for a server event and checks its payload. */
async function checkEvent(t: TapTest, socket: TestSocket, event: ServerEventName, cause: () => unknown): Promise<void> {
  const received = waitFor(socket, event);
  await cause();
  conforms(t, SERVER_EVENT_SCHEMAS[event], await received, event);
}

async function api(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 202) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

t.test('payloads, acks and error codes match the documented schemas', async (t) => {
  const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN, PRESENCE_DIFF_MS: '0' });
  const alice = await connectClient(t, service.url, { token: await mintToken({ sub: 'alice', username: 'Alice' }) });
  const anon = await connectClient(t, service.url);
  conforms(t, SERVER_EVENT_SCHEMAS['system:connected'], alice.connected, 'system:connected, signed in');
  conforms(t, SERVER_EVENT_SCHEMAS['system:connected'], anon.connected, 'system:connected, anonymous');

  await checkAck(t, alice.socket, 'system:ping', undefined, 'ok');
  await checkAck(t, anon.socket, 'lobby:join', undefined, 'ok');
  await checkAck(t, anon.socket, 'lobby:stats', undefined, 'ok');
  await checkAck(t, alice.socket, 'player:watch', { userIds: ['bob'] }, 'ok');
  await checkAck(t, alice.socket, 'player:status_change', { status: 'away' }, 'ok');
  await checkAck(t, anon.socket, 'player:watch', { userIds: ['bob'] }, 'AUTH_REQUIRED');
  await checkAck(t, anon.socket, 'lobby:join', { extra: 1 }, 'INVALID_PAYLOAD');
  await checkAck(t, alice.socket, 'room:join', { roomId: '9', ticket: 'not-a-ticket' }, 'FORBIDDEN');
  await checkAck(t, alice.socket, 'room:chat_message', { roomId: '9', text: 'hi' }, 'FORBIDDEN');
  // memory mode with no backend in its process: nobody would read the intent
  await checkAck(t, alice.socket, 'room:create', { name: 'table' }, 'UNAVAILABLE');

  await checkEvent(t, alice.socket, 'player:online', () =>
    mintToken({ sub: 'bob', username: 'Bob' }).then((token) => connectClient(t, service.url, { token })),
  );
  await checkEvent(t, alice.socket, 'room:player_joined', () =>
    api(service.url, '/v1/join', { user: 'alice', rooms: 'room:9' }),
  );
  await checkEvent(t, alice.socket, 'room:player_left', () =>
    api(service.url, '/v1/leave', { user: 'alice', rooms: 'room:9' }),
  );
  await checkEvent(t, anon.socket, 'lobby:presence_diff', () =>
    api(service.url, '/v1/status', { user: 'bob', status: 'busy' }),
  );
  await checkEvent(t, anon.socket, 'system:pong', () => anon.socket.emit('system:ping'));
  await checkEvent(t, anon.socket, 'system:error', () =>
    (anon.socket as unknown as { emit(event: string): void }).emit('nope:nope'),
  );
});

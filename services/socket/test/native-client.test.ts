/**
 * The exchange of the README's "Native and engine clients" section, frame by frame, over a raw
 * WebSocket: what a client written in C# or GDScript sends and receives.
 */
import t from 'tap';
import { mintToken, openRawSocket, parseEvent, startService, withTimeout, WAIT_MS } from '@gamesocket/test-helpers';

const PING_INTERVAL_MS = 200;

t.test('a native client: handshake with auth.token, join, ack, error envelope, heartbeat', async (t) => {
  const { url } = await startService(t, { PING_INTERVAL_MS: String(PING_INTERVAL_MS) });
  const token = await mintToken({ sub: 'godot-1', username: 'godot', role: 'player' });

  // GET /socket.io/?EIO=4&transport=websocket, then the server's open packet `0{...}`.
  // The helper answers each ping `2` with a pong `3`, as a client must.
  const ws = await openRawSocket(t, url);
  t.type(ws.handshake.sid, 'string', 'open packet: sid');
  t.equal(ws.handshake.pingInterval, PING_INTERVAL_MS, 'open packet: pingInterval');
  t.type(ws.handshake.pingTimeout, 'number', 'open packet: pingTimeout');
  t.type(ws.handshake.maxPayload, 'number', 'open packet: maxPayload');

  // CONNECT with the token: `40{"token":"…"}` → `40{"sid":"…","pid":"…"}`, then system:connected.
  ws.send(`40${JSON.stringify({ token })}`);
  const answer = await ws.next((frame) => frame.startsWith('40') || frame.startsWith('44'));
  t.match(answer, /^40\{"sid":"[^"]+"/, `CONNECT accepted: ${answer}`);
  const connected = parseEvent(await ws.next((frame) => parseEvent(frame)?.[0] === 'system:connected'));
  t.match(connected?.[1], { auth: 'ok', user: { userId: 'godot-1', username: 'godot', role: 'player' } });

  // An event with an ack id: `421["lobby:join"]` → `431[{"ok":true}]`.
  ws.send('421["lobby:join"]');
  t.equal(await ws.next((frame) => frame.startsWith('431')), '431[{"ok":true}]', 'lobby:join acknowledged');

  ws.send('422["player:status_change",{"status":"away"}]');
  t.equal(await ws.next((frame) => frame.startsWith('432')), '432[{"ok":true}]', 'status change acknowledged');

  ws.send('423["system:ping",1767225600000]');
  const pong = JSON.parse((await ws.next((frame) => frame.startsWith('433'))).slice(3)) as unknown[];
  t.match(pong, [{ pong: true, timestamp: Number }], 'system:ping: { pong, timestamp }, outside the envelope');

  // The error envelope: with an ack id in the ack, without one as system:error.
  ws.send('424["player:status_change",{"status":"Away!"}]');
  const refused = JSON.parse((await ws.next((frame) => frame.startsWith('434'))).slice(3)) as unknown[];
  t.match(refused, [{ ok: false, error: { code: 'INVALID_PAYLOAD', message: String } }], 'refusal in the ack');
  ws.send('42["player:status_change",{"status":"Away!"}]');
  const error = parseEvent(await ws.next((frame) => parseEvent(frame)?.[0] === 'system:error'));
  t.match(error?.[1], { code: 'INVALID_PAYLOAD', message: String, event: 'player:status_change' }, 'system:error');

  // Heartbeat: the server sends `2`, the client answers `3` (the helper did), and the session lives on.
  t.equal(await ws.next((frame) => frame === '2'), '2', 'the server pings');
  ws.send('425["system:ping"]');
  t.match(await ws.next((frame) => frame.startsWith('435')), /^435\[\{"pong":true/, 'still served after the pong');
});

t.test('a client that does not answer the ping is closed', async (t) => {
  const { url } = await startService(t, { PING_INTERVAL_MS: String(PING_INTERVAL_MS), PING_TIMEOUT_MS: '100' });
  const silent = await openRawSocket(t, url, { answerPings: false });
  silent.send('40');
  await silent.next((frame) => frame === '2');
  await withTimeout(silent.closed, WAIT_MS, 'the silent client to be closed');
  t.notOk(silent.isOpen(), 'no pong `3` within pingTimeout: the server closes the session');
});

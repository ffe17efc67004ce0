// Not a tap test file (tap runs `*.test.ts`): `npm run typecheck` compiles it with the tests (root tsconfig.json).

import type { LobbyStats, UserPresence } from '@gamesocket/protocol';
import type { Ack, AckData, GameSocket } from '@gamesocket/client';

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Compile-time checks, never called: `npm run typecheck` fails when a `@ts-expect-error` below stops being an error,
 * i.e. when the client's typing regresses. Keep each checked call on one line. Exported only so that it counts as used.
 */
export async function typingChecks(client: GameSocket): Promise<void> {
  // The right events with the right payloads compile, and the ack data is typed per event.
  const stats: Ack<LobbyStats> = await client.request('lobby:stats');
  const watched: Ack<UserPresence[]> = await client.watch(['u2']);
  const created = await client.sendIntent('room:create', { name: 'table 1', maxPlayers: 4 });
  if (created.ok) void created.data?.id.toUpperCase();
  if (!stats.ok) void stats.error.code.toLowerCase();
  void watched;
  await client.request('player:status_change', { status: 'away' });
  client.socket.on('player:online', (payload) => void payload.userId.toUpperCase());
  client.socket.on(
    'lobby:presence_diff',
    ({ online, offline, status }) => void [online[0]?.username, offline[0], status[0]?.status],
  );
  const pingMs: number = await client.ping();
  void pingMs;
  // system:ping takes nothing or any JSON value (a probe's own timestamp), and its ack is the raw pong.
  client.socket.emit('system:ping', { sentAt: 1767225600000 }, (pong) => void pong.timestamp.toFixed());
  client.socket.emit('system:ping');
  const statsData: Equal<AckData<'lobby:stats'>, LobbyStats> = true;
  const joinData: Equal<AckData<'lobby:join'>, undefined> = true;
  void statsData;
  void joinData;

  // @ts-expect-error an event name outside the catalogue
  await client.request('lobby:nope');
  // @ts-expect-error a server -> client event is not a request
  await client.request('room:created');
  // @ts-expect-error system:ping is not an envelope request: use ping()
  await client.request('system:ping');
  // @ts-expect-error a ping payload that is no JSON value
  client.socket.emit('system:ping', new Date());
  // @ts-expect-error a payload of the wrong shape (status must be a string)
  await client.request('player:status_change', { status: 42 });
  // @ts-expect-error a missing payload
  await client.request('room:join');
  // @ts-expect-error an event without payload takes none
  await client.request('lobby:join', { room: 'lobby' });
  // @ts-expect-error an extra, unknown field (schemas are strict)
  await client.sendIntent('room:chat_message', { roomId: 'r1', text: 'gg', userId: 'u1' });
  // @ts-expect-error only intents go through sendIntent
  await client.sendIntent('lobby:join', {});
  // @ts-expect-error listening for an event the server never sends
  client.socket.on('lobby:nope', () => undefined);
  // @ts-expect-error a listener that expects the wrong payload (player:online carries a userId string)
  client.socket.on('player:online', (payload: { userId: number }) => void payload);
  // @ts-expect-error a diff lists offline users by id, not as objects
  client.socket.on('lobby:presence_diff', (payload: { offline: { userId: string }[] }) => void payload);
  // @ts-expect-error a helper with a wrong argument type (user ids are strings)
  await client.watch([42]);
  // @ts-expect-error a helper missing its ticket
  await client.joinRoom('r1');
  // @ts-expect-error an intent payload of the wrong shape (maxPlayers is a number)
  await client.sendIntent('room:create', { name: 'table', maxPlayers: 'four' });
  // @ts-expect-error emitting on the raw socket is typed too
  client.socket.emit('room:chat_message', { roomId: 'r1', message: 'gg' });
  // @ts-expect-error the ack data is typed: lobby stats carry no `players`
  void (stats.ok && stats.data?.players);
}

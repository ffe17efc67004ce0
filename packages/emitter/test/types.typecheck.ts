// Not a tap test file (tap runs `*.test.ts`): `npm run typecheck` compiles it with the tests (root tsconfig.json).

import type { ConnectedPayload } from '@gamesocket/protocol';
import { createEmitter, type EmitterMode, type GameEmitter } from '@gamesocket/emitter';

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Compile-time checks, never called: `npm run typecheck` fails when a `@ts-expect-error` below stops
 * being an error, i.e. when the emitter's typing regresses. Keep each checked call on one line, so the
 * error stays on the line after its directive. Exported only so that it counts as used.
 */
export async function typingChecks(emitter: GameEmitter): Promise<void> {
  // The cluster modes an emitter can reach, exactly.
  const modes: Equal<EmitterMode, 'redis' | 'redis-streams' | 'redis-sharded'> = true;
  void modes;
  const lobby = emitter.toLobby();
  // The right event with the right payload compiles.
  await lobby.emit('lobby:stats', { online: 1, connections: 2, nodes: 1 });

  // @ts-expect-error an event name outside the catalogue
  await lobby.emit('lobby:nope', { online: 1, connections: 2, nodes: 1 });
  // @ts-expect-error a name that is not domain:action at all
  await lobby.emit('Hello', {});
  // @ts-expect-error a client -> server event is not something a backend emits to clients
  await lobby.emit('lobby:join', {});
  // @ts-expect-error a payload of the wrong shape (online must be a number)
  await lobby.emit('lobby:stats', { online: 'many', connections: 2, nodes: 1 });
  // @ts-expect-error a payload missing required fields
  await lobby.emit('lobby:stats', { online: 1 });
  // @ts-expect-error no payload at all
  await lobby.emit('lobby:stats');
  // @ts-expect-error the emitter-level emit is typed the same way
  await emitter.emit('lobby:stats', { online: 'many', connections: 2, nodes: 1 });
  // Every audience is typed the same way, and intent entries narrow on `event`.
  await emitter
    .toRoom('r1')
    .emit('room:chat_message', { roomId: 'r1', from: { userId: 'u', username: 'u' }, text: 'gg', timestamp: 1 });
  await emitter.consumeIntents({ domain: 'room', group: 'g', consumer: 'c' }, async (entry) => {
    if (entry.event === 'room:chat_message') void entry.payload.text.toUpperCase();
    // @ts-expect-error an intent entry's payload is only known after narrowing on `event`
    void entry.payload.text;
  });
  // A lifecycle entry's data is typed; the handler may take the entry alone.
  await emitter.consumeLifecycle({ group: 'g', consumer: 'c' }, (entry) => void entry.data.reason?.toUpperCase());
  // @ts-expect-error the feed's streams follow the emitter's presence options, not the call's
  await emitter.consumeLifecycle({ group: 'g', consumer: 'c', prefix: 'other' }, () => undefined);

  // @ts-expect-error a room event without its roomId
  await emitter.toRoom('r1').emit('room:player_ready', { userId: 'u1', ready: true });
  // @ts-expect-error a wrong field type to a user's sockets
  await emitter.toUser('u1').emit('player:status_change', { userId: 'u1', status: 3, timestamp: 1 });
  // @ts-expect-error a misspelled event to a match
  await emitter.toMatch('m1').emit('match:state_updated', { matchId: 'm1', state: {} });
  const connected: ConnectedPayload = {
    socketId: 's',
    nodeId: 'n',
    user: null,
    auth: 'ok',
    rooms: [],
    recovered: false,
    recoveryWindowMs: 0,
    timestamp: 1,
  };
  // @ts-expect-error the server's own system:connected is not for backends
  await emitter.toUser('u1').emit('system:connected', connected);
  // @ts-expect-error memory mode has nothing to publish into
  await createEmitter({ redis: 'redis://127.0.0.1:1', mode: 'memory' });
}

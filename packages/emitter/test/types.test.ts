import t from 'tap';
import type { ConnectedPayload } from '@gamesocket/protocol';
import {
  BroadcastOperator,
  createEmitter,
  EmitterError,
  GameEmitter,
  type EmitterErrorCode,
  type EmitterMode,
} from '@gamesocket/emitter';

/**
 * Compile-time checks, never called: `npx tsc -p tsconfig.json` fails when a `@ts-expect-error`
 * below stops being an error, i.e. when the emitter's typing regresses. Keep each checked call on
 * one line, so the error stays on the line after its directive.
 */
async function typingChecks(emitter: GameEmitter): Promise<void> {
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
    recovered: false,
    recoveryWindowMs: 0,
    timestamp: 1,
  };
  // @ts-expect-error the server's own system:connected is not for backends
  await emitter.toUser('u1').emit('system:connected', connected);
  // @ts-expect-error memory mode has nothing to publish into
  await createEmitter({ redis: 'redis://127.0.0.1:1', mode: 'memory' });
}

t.test('the public API exists at runtime', async (t) => {
  t.type(createEmitter, 'function', 'createEmitter is a function');
  t.type(GameEmitter, 'function', 'GameEmitter is a class');
  t.type(BroadcastOperator, 'function', 'BroadcastOperator is a class');
  t.type(typingChecks, 'function', 'the compile-time checks exist (they are type-checked by tsc, never run)');

  const modes: EmitterMode[] = ['redis', 'redis-streams', 'redis-sharded'];
  t.equal(modes.length, 3, 'three cluster modes an emitter can reach');

  const code: EmitterErrorCode = 'UNAVAILABLE';
  const err = new EmitterError(code, 'redis is down', { cause: new Error('ECONNREFUSED') });
  t.type(err, Error, 'EmitterError is an Error');
  t.equal(err.name, 'EmitterError');
  t.equal(err.code, 'UNAVAILABLE');
  t.equal(err.message, 'redis is down');
  t.type(err.cause, Error, 'keeps its cause');
});

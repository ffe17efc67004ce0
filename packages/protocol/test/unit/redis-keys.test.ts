import t from 'tap';
import {
  ADAPTER_CHANNEL_PREFIX,
  ADAPTER_STREAM,
  KEY_PREFIX,
  denyKey,
  intentDomain,
  intentStream,
  presenceKeys,
  sessionOwnerKey,
} from '../../src/index.js';

// The names every process of a deployment (pods of older versions, backends in other languages) shares: a change
// here is a wire-format change.
t.test('key and stream names with the default prefix', async (t) => {
  t.equal(KEY_PREFIX, 'gamesocket');
  t.equal(ADAPTER_CHANNEL_PREFIX, 'socket.io', 'the stock @socket.io/redis-emitter default');
  t.equal(ADAPTER_STREAM, 'socket.io');
  t.equal(intentStream('room'), 'gamesocket:intents:room');
  t.equal(intentStream('match'), 'gamesocket:intents:match');
  t.equal(denyKey({ userId: 'u1' }), 'gamesocket:deny:user:u1');
  t.equal(denyKey({ jti: 'j1' }), 'gamesocket:deny:jti:j1');
  t.equal(sessionOwnerKey('pid1'), 'gamesocket:session-owner:pid1');
  const shard = presenceKeys.shard(3);
  t.equal(shard, 'gamesocket:{p3}:');
  t.equal(presenceKeys.userSockets(shard, 'u1'), 'gamesocket:{p3}:u:u1');
  t.equal(presenceKeys.userMeta(shard, 'u1'), 'gamesocket:{p3}:m:u1');
  t.equal(presenceKeys.nodeSockets(shard, 'pod-a'), 'gamesocket:{p3}:n:pod-a');
  t.equal(presenceKeys.connections(shard), 'gamesocket:{p3}:conns');
  t.equal(presenceKeys.online(shard), 'gamesocket:{p3}:online');
  t.equal(presenceKeys.nodes(), 'gamesocket:nodes');
  t.equal(presenceKeys.reaper(), 'gamesocket:reaper');
});

t.test('a prefix moves every gamesocket key', async (t) => {
  t.equal(intentStream('room', 'test'), 'test:intents:room');
  t.equal(denyKey({ userId: 'u1' }, 'test'), 'test:deny:user:u1');
  t.equal(sessionOwnerKey('pid1', 'test'), 'test:session-owner:pid1');
  t.equal(presenceKeys.shard(0, 'test'), 'test:{p0}:');
  t.equal(presenceKeys.nodes('test'), 'test:nodes');
  t.equal(presenceKeys.reaper('test'), 'test:reaper');
});

t.test('an intent names its stream by its domain', async (t) => {
  t.equal(intentDomain('room:chat_message'), 'room');
  t.equal(intentDomain('match:end'), 'match');
});

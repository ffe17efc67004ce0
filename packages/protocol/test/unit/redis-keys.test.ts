import t from 'tap';
import {
  ADAPTER_CHANNEL_PREFIX,
  ADAPTER_STREAM,
  KEY_PREFIX,
  intentDomain,
  intentStream,
  presenceKeys,
  sessionOwnerKey,
  shardOf,
} from '../../src/index.js';

// The names every process of a deployment (pods of older versions, backends in other languages) shares: a change
// here is a wire-format change.
t.test('key and stream names with the default prefix', async (t) => {
  t.equal(KEY_PREFIX, 'gamesocket');
  t.equal(ADAPTER_CHANNEL_PREFIX, 'socket.io', 'the stock @socket.io/redis-emitter default');
  t.equal(ADAPTER_STREAM, 'socket.io');
  t.equal(intentStream('room'), 'gamesocket:intents:room');
  t.equal(intentStream('match'), 'gamesocket:intents:match');
  t.equal(sessionOwnerKey('pid1'), 'gamesocket:session-owner:pid1');
  const shard = presenceKeys.shard(3);
  t.equal(shard, 'gamesocket:{p3}:');
  t.equal(presenceKeys.userSockets(shard, 'u1'), 'gamesocket:{p3}:u:u1');
  t.equal(presenceKeys.userMeta(shard, 'u1'), 'gamesocket:{p3}:m:u1');
  t.equal(presenceKeys.nodeSockets(shard, 'pod-a'), 'gamesocket:{p3}:n:pod-a');
  t.equal(presenceKeys.watchers(shard, 'u1'), 'gamesocket:{p3}:w:u1');
  t.equal(presenceKeys.nodeWatches(shard, 'pod-a'), 'gamesocket:{p3}:wn:pod-a');
  t.equal(presenceKeys.connections(shard), 'gamesocket:{p3}:conns');
  t.equal(presenceKeys.online(shard), 'gamesocket:{p3}:online');
  t.equal(presenceKeys.userRooms(shard, 'u1'), 'gamesocket:{p3}:r:u1');
  t.equal(presenceKeys.roomMembers(shard, 'room:7'), 'gamesocket:{p3}:rm:room:7');
  t.equal(presenceKeys.offlineMembers(shard), 'gamesocket:{p3}:gone');
  t.equal(presenceKeys.roomCount(shard, 'room:7'), 'gamesocket:{p3}:rc:room:7');
  t.equal(presenceKeys.lifecycle(shard), 'gamesocket:{p3}:lifecycle');
  t.equal(presenceKeys.denyUser(shard, 'u1'), 'gamesocket:{p3}:deny:user:u1');
  t.equal(presenceKeys.denyToken(shard, 'j1'), 'gamesocket:{p3}:deny:jti:j1');
  t.equal(presenceKeys.nodes(), 'gamesocket:nodes');
  t.equal(presenceKeys.reaper(), 'gamesocket:reaper');
});

t.test('an id has one shard in every process: FNV-1a of the id, modulo the shards', async (t) => {
  t.equal(shardOf('u1'), shardOf('u1'));
  t.equal(shardOf('alice', 16), 2267157479 % 16, 'FNV-1a 32-bit of "alice"');
  t.ok(
    [...Array(100).keys()].every((i) => shardOf(`user-${i}`, 4) < 4),
    'always below the shard count',
  );
});

t.test('a prefix moves every gamesocket key', async (t) => {
  t.equal(intentStream('room', 'test'), 'test:intents:room');
  t.equal(sessionOwnerKey('pid1', 'test'), 'test:session-owner:pid1');
  t.equal(presenceKeys.shard(0, 'test'), 'test:{p0}:');
  t.equal(presenceKeys.nodes('test'), 'test:nodes');
  t.equal(presenceKeys.reaper('test'), 'test:reaper');
});

t.test('an intent names its stream by its domain', async (t) => {
  t.equal(intentDomain('room:chat_message'), 'room');
  t.equal(intentDomain('match:end'), 'match');
});

import type { Presence, SocketEntry } from '../src/index.js';
import type { TapTest } from '@gamesocket/test-helpers';

/** Builds a fresh, empty presence for one test. */
export type MakePresence = (t: TapTest) => Promise<Presence>;

const socket = (userId: string, socketId: string, nodeId: string): SocketEntry => ({
  userId,
  socketId,
  nodeId,
  username: `name-${userId}`,
});

/** One contract for every Presence implementation. */
export function presenceContract(t: TapTest, makePresence: MakePresence): void {
  t.test(
    'first socket anywhere is online, last socket anywhere is offline; tabs and pods change nothing',
    async (t) => {
      const presence = await makePresence(t);
      const a1 = socket('u1', 's1', 'node-a');
      const b1 = socket('u1', 's2', 'node-b');
      t.same(await presence.addSocket(a1), {
        accepted: true,
        denied: false,
        first: true,
        connections: 1,
        watched: false,
        rooms: [],
      });
      t.same(await presence.addSocket(b1), {
        accepted: true,
        denied: false,
        first: false,
        connections: 2,
        watched: false,
        rooms: [],
      });
      t.same(
        await presence.addSocket(b1),
        { accepted: true, denied: false, first: false, connections: 2, watched: false, rooms: [] },
        'adding twice is a no-op',
      );
      t.same(await presence.get('u1'), { userId: 'u1', online: true, connections: 2, status: 'online' });
      t.same(await presence.removeSocket(a1), { last: false, connections: 1 });
      t.same(await presence.removeSocket(a1), { last: false, connections: 1 }, 'removing twice is a no-op');
      t.same(await presence.removeSocket(b1), { last: true, connections: 0, username: 'name-u1', watched: false });
      t.same(await presence.get('u1'), { userId: 'u1', online: false, connections: 0, status: null });
      t.same(await presence.removeSocket(b1), { last: false, connections: 0 });
    },
  );

  t.test('a socket recovered on another node moves there; its old node cannot remove it', async (t) => {
    const presence = await makePresence(t);
    await presence.heartbeat('new', 60_000);
    await presence.addSocket(socket('mover', 's1', 'old'));
    t.same(await presence.addSocket(socket('mover', 's1', 'new')), {
      accepted: true,
      denied: false,
      first: false,
      connections: 1,
      watched: false,
      rooms: [],
    });
    t.same(await presence.removeSocket(socket('mover', 's1', 'old')), { last: false, connections: 1 }, 'the old node');
    t.same(await presence.removeNode('old'), [], 'reaping the old node leaves it alone');
    t.same((await presence.get('mover')).connections, 1);
    t.same(await presence.removeNode('new'), [{ userId: 'mover', username: 'name-mover' }], 'its new node owns it');
    t.same(await presence.stats(), { online: 0, connections: 0, nodes: 0 });
  });

  t.test("keepLast removes a socket unless it is its user's last; the reaper removes a kept one", async (t) => {
    const presence = await makePresence(t);
    await presence.heartbeat('draining', 60_000);
    const [s1, s2] = [socket('u9', 's1', 'draining'), socket('u9', 's2', 'draining')];
    await presence.addSocket(s1);
    await presence.addSocket(s2);
    t.same(
      await presence.removeSocket(s1, { keepLast: true }),
      { last: false, connections: 1 },
      'not the last: removed',
    );
    t.same(await presence.removeSocket(s2, { keepLast: true }), { last: false, connections: 1 }, 'the last: kept');
    t.same(
      await presence.get('u9'),
      { userId: 'u9', online: true, connections: 1, status: 'online' },
      'u9 stays online',
    );
    t.same(await presence.stats(), { online: 1, connections: 1, nodes: 1 });
    t.same(
      await presence.removeNode('draining'),
      [{ userId: 'u9', username: 'name-u9' }],
      'reaping the node removes the kept socket and reports the user offline',
    );
    t.same(await presence.stats(), { online: 0, connections: 0, nodes: 0 });

    // A kept socket that its user's reconnect moved to another node stays with that node.
    await presence.addSocket(socket('u10', 's3', 'draining'));
    t.same(await presence.removeSocket(socket('u10', 's3', 'draining'), { keepLast: true }), {
      last: false,
      connections: 1,
    });
    await presence.addSocket(socket('u10', 's3', 'other'));
    t.same(await presence.removeNode('draining'), [], 'the drained node has nothing of u10 left');
    t.same((await presence.get('u10')).connections, 1, 'u10 is on the other node');
  });

  t.test('the per-user limit refuses one more socket, atomically', async (t) => {
    const presence = await makePresence(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => presence.addSocket(socket('u2', `s${i}`, i % 2 ? 'a' : 'b'), 3)),
    );
    t.equal(results.filter((r) => r.accepted).length, 3, 'exactly 3 of 8 concurrent adds accepted');
    t.equal(results.filter((r) => r.first).length, 1, 'exactly one first');
    t.equal((await presence.get('u2')).connections, 3);
    t.same(
      await presence.addSocket(socket('u2', 's0', 'b'), 3),
      { accepted: true, denied: false, first: false, connections: 3, watched: false, rooms: [] },
      're-adding a held socket is fine at the limit',
    );
  });

  t.test('status is stored with presence and cleared when the user goes offline', async (t) => {
    const presence = await makePresence(t);
    t.equal(await presence.setStatus('u3', 'away'), 'offline', 'an offline user has no status');
    t.same(await presence.get('u3'), { userId: 'u3', online: false, connections: 0, status: null });
    const entry = socket('u3', 's1', 'a');
    await presence.addSocket(entry);
    t.equal(await presence.setStatus('u3', 'in_match'), 'changed');
    t.equal((await presence.get('u3')).status, 'in_match');
    await presence.removeSocket(entry);
    await presence.addSocket(entry);
    t.equal((await presence.get('u3')).status, 'online', 'a new session starts online');
  });

  t.test('setting the status a user already has is reported unchanged', async (t) => {
    const presence = await makePresence(t);
    await presence.addSocket(socket('u4', 's1', 'a'));
    t.equal(await presence.setStatus('u4', 'online'), 'unchanged', 'a new session is already online');
    t.equal(await presence.setStatus('u4', 'busy'), 'changed');
    t.equal(await presence.setStatus('u4', 'busy'), 'unchanged', 'busy again');
    t.equal(await presence.setStatus('u4', 'online'), 'changed', 'back to online is a change');
    t.equal((await presence.get('u4')).status, 'online');
  });

  t.test('heartbeat tells whether the node was registered', async (t) => {
    const presence = await makePresence(t);
    t.equal(await presence.heartbeat('n', 60_000), true, 'first beat');
    t.equal(await presence.heartbeat('n', 60_000), false, 'known node');
    await presence.removeNode('n');
    t.equal(await presence.heartbeat('n', 60_000), true, 'after being removed (reaped)');
  });

  t.test('nodes list their heartbeat and last report; a removed node leaves the list', async (t) => {
    const presence = await makePresence(t);
    const report = { connections: 3, eventsInPerSec: 1.5, eventsOutPerSec: 12, draining: false };
    await presence.heartbeat('b', 60_000, report);
    await presence.heartbeat('a', 60_000);
    await presence.heartbeat('gone', 1, { ...report, draining: true });
    await presence.heartbeat('b', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the 1 ms heartbeat expire
    const nodes = await presence.nodes();
    t.same(
      nodes.map((node) => [node.nodeId, node.alive, node.report]),
      [
        ['a', true, undefined],
        ['b', true, report],
        ['gone', false, { ...report, draining: true }],
      ],
      'ordered by id; a beat without a report keeps the last one; an expired node shows dead until reaped',
    );
    t.ok(
      nodes.every((node) => Number.isFinite(node.expiresAt)),
      'each with its expiry',
    );
    await presence.reapDeadNodes();
    await presence.removeNode('a');
    t.same(
      (await presence.nodes()).map((node) => node.nodeId),
      ['b'],
    );
    await presence.heartbeat('a', 60_000);
    t.equal((await presence.nodes())[0]?.report, undefined, 'a node back after removal has no old report');
  });

  t.test("a user's sockets with their pods; online users cluster-wide, searched and bounded", async (t) => {
    const presence = await makePresence(t);
    await presence.heartbeat('pod-a', 60_000);
    await presence.heartbeat('pod-b', 60_000);
    await presence.addSocket(socket('alice', 's2', 'pod-b'));
    await presence.addSocket(socket('alice', 's1', 'pod-a'));
    await presence.addSocket(socket('bob', 's3', 'pod-b'));
    for (let i = 0; i < 30; i++)
      await presence.addSocket(socket(`crowd-${String(i).padStart(2, '0')}`, `c${i}`, 'pod-a'));
    await presence.setStatus('bob', 'away');
    t.same(await presence.userSockets('alice'), [
      { socketId: 's1', nodeId: 'pod-a' },
      { socketId: 's2', nodeId: 'pod-b' },
    ]);
    t.same(await presence.userSockets('nobody'), [], 'an offline user has none');
    const found = await presence.onlineUsers({ limit: 10, search: 'B' });
    t.same(found, {
      users: [{ userId: 'bob', username: 'name-bob', status: 'away', sockets: [{ socketId: 's3', nodeId: 'pod-b' }] }],
      matched: 1,
    });
    const first = await presence.onlineUsers({ limit: 5 });
    t.equal(first.matched, 32, 'every online user counted');
    t.same(
      first.users.map((user) => user.userId),
      ['alice', 'bob', 'crowd-00', 'crowd-01', 'crowd-02'],
      'the first by user id',
    );
    t.same(first.users[0]?.sockets, [
      { socketId: 's1', nodeId: 'pod-a' },
      { socketId: 's2', nodeId: 'pod-b' },
    ]);
    await presence.removeNode('pod-b');
    t.same(
      (await presence.onlineUsers({ limit: 3, search: 'crowd-2' })).users.map((user) => user.userId),
      ['crowd-20', 'crowd-21', 'crowd-22'],
    );
    t.same((await presence.onlineUsers({ limit: 10, search: 'bob' })).matched, 0, 'bob went with pod-b');
  });

  t.test('a user is reported watched while a node watches them; unwatch and removing the node end it', async (t) => {
    const presence = await makePresence(t);
    await presence.addSocket(socket('busy', 's0', 'a'));
    await presence.setStatus('busy', 'in_match');
    t.same(
      await presence.watch('w1', ['nobody', 'busy']),
      [
        { userId: 'nobody', online: false, connections: 0, status: null },
        { userId: 'busy', online: true, connections: 1, status: 'in_match' },
      ],
      'watch reads the presence of the users it registers',
    );
    t.match(await presence.addSocket(socket('nobody', 's1', 'a')), { first: true, watched: true }, 'online, watched');
    t.match(await presence.addSocket(socket('nobody', 's2', 'a')), { first: false, watched: false }, 'not first');
    await presence.removeSocket(socket('nobody', 's2', 'a'));
    t.match(
      await presence.removeSocket(socket('nobody', 's1', 'a')),
      { last: true, watched: true },
      'offline, watched',
    );
    await presence.watch('w2', ['nobody']);
    await presence.unwatch('w1', ['nobody', 'never-watched']);
    t.match(await presence.addSocket(socket('nobody', 's3', 'a')), { watched: true }, 'w2 still watches');
    await presence.unwatch('w2', ['nobody']);
    t.match(await presence.removeSocket(socket('nobody', 's3', 'a')), { last: true, watched: false }, 'nobody watches');
    await presence.watch('w3', ['nobody', 'busy']);
    t.same(await presence.removeNode('w3'), [], 'the watching node held no socket');
    t.match(await presence.addSocket(socket('nobody', 's4', 'a')), { first: true, watched: false }, 'w3 removed');
    await presence.heartbeat('dead', 1);
    await presence.watch('dead', ['nobody']);
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the 1 ms heartbeat expire
    await presence.reapDeadNodes();
    t.match(
      await presence.removeSocket(socket('nobody', 's4', 'a')),
      { last: true, watched: false },
      'dead one reaped',
    );
  });

  t.test("syncWatches makes a node's registrations exactly the users given", async (t) => {
    const presence = await makePresence(t);
    await presence.watch('n', ['kept', 'stale']);
    await presence.watch('other', ['stale']);
    await presence.syncWatches('n', ['kept', 'new']);
    for (const [userId, watched] of [
      ['kept', true],
      ['new', true],
      ['stale', true],
    ] as const) {
      t.match(await presence.addSocket(socket(userId, `s-${userId}`, 'a')), { watched }, `${userId} is watched`);
    }
    await presence.unwatch('other', ['stale']);
    t.match(
      await presence.removeSocket(socket('stale', 's-stale', 'a')),
      { last: true, watched: false },
      'n no longer watches stale',
    );
    await presence.syncWatches('n', []);
    t.match(await presence.removeSocket(socket('new', 's-new', 'a')), { last: true, watched: false }, 'none left');
  });

  t.test('getMany and stats (counters)', async (t) => {
    const presence = await makePresence(t);
    await presence.heartbeat('a', 60_000);
    await presence.heartbeat('b', 60_000);
    await presence.addSocket(socket('x', 's1', 'a'));
    await presence.addSocket(socket('x', 's2', 'b'));
    await presence.addSocket(socket('y', 's3', 'b'));
    const many = await presence.getMany(['x', 'y', 'z']);
    t.same(
      many.map((p) => [p.userId, p.online, p.connections]),
      [
        ['x', true, 2],
        ['y', true, 1],
        ['z', false, 0],
      ],
    );
    t.same(await presence.stats(), { online: 2, connections: 3, nodes: 2 });
  });

  t.test('getMany: many users at once, in the order asked, repeated and unknown ids included', async (t) => {
    const presence = await makePresence(t);
    const ids = Array.from({ length: 60 }, (_, i) => `many${i}`);
    for (const [i, userId] of ids.entries()) if (i % 3 === 0) await presence.addSocket(socket(userId, `s${i}`, 'n'));
    await presence.setStatus('many3', 'busy');
    const asked = [...ids, 'many3', 'many1'];
    const many = await presence.getMany(asked);
    t.same(
      many.map((p) => p.userId),
      asked,
      'one answer per id asked, in order',
    );
    for (const p of many) {
      const i = Number(p.userId.slice(4));
      const expected =
        i % 3 === 0
          ? { userId: p.userId, online: true, connections: 1, status: i === 3 ? 'busy' : 'online' }
          : { userId: p.userId, online: false, connections: 0, status: null };
      t.same(p, expected, p.userId);
    }
    t.same(await presence.getMany([]), [], 'no ids, no answer');
  });

  t.test('a node whose heartbeat expired is reaped; its users with no other socket go offline', async (t) => {
    const presence = await makePresence(t);
    await presence.heartbeat('alive', 60_000);
    await presence.heartbeat('dead', 1);
    await presence.addSocket(socket('only-dead', 's1', 'dead'));
    await presence.addSocket(socket('only-dead', 's2', 'dead'));
    await presence.addSocket(socket('both', 's3', 'dead'));
    await presence.addSocket(socket('both', 's4', 'alive'));
    await presence.addSocket(socket('only-alive', 's5', 'alive'));
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the 1 ms heartbeat expire
    const gone = await presence.reapDeadNodes();
    t.same(gone, [{ userId: 'only-dead', username: 'name-only-dead' }], 'exactly the users left with no socket');
    t.same((await presence.get('both')).connections, 1);
    t.same(await presence.stats(), { online: 2, connections: 2, nodes: 1 });
    t.same(await presence.reapDeadNodes(), [], 'a second reap finds nothing');
  });

  t.test('removeNode (graceful shutdown / restart under the same id) removes every socket of that node', async (t) => {
    const presence = await makePresence(t);
    for (let i = 0; i < 60; i++) await presence.addSocket(socket(`user${i % 20}`, `s${i}`, 'n1'));
    await presence.addSocket(socket('user0', 'other', 'n2'));
    const gone = await presence.removeNode('n1');
    t.equal(gone.length, 19, 'every user but user0 (still on n2) went offline');
    t.notOk(gone.some((u) => u.userId === 'user0'));
    t.same(await presence.stats(), { online: 1, connections: 1, nodes: 0 });
  });

  t.test('syncNode converges a node to its real sockets', async (t) => {
    const presence = await makePresence(t);
    await presence.addSocket(socket('stale', 's1', 'n'));
    await presence.addSocket(socket('kept', 's2', 'n'));
    const result = await presence.syncNode('n', [socket('kept', 's2', 'n'), socket('new', 's3', 'n')]);
    t.same(
      result.online.map((u) => u.userId),
      ['new'],
    );
    t.same(
      result.offline.map((u) => u.userId),
      ['stale'],
    );
    t.same(await presence.stats(), { online: 2, connections: 2, nodes: 0 });
  });

  t.test('concurrent connect/disconnect churn leaves presence equal to the remaining sockets', async (t) => {
    const presence = await makePresence(t);
    const remaining = new Map<string, SocketEntry>();
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const entry = socket(`c${i % 10}`, `s${i}`, i % 2 ? 'a' : 'b');
      ops.push(
        presence.addSocket(entry).then(async () => {
          if (i % 3) await presence.removeSocket(entry);
          else remaining.set(entry.socketId, entry);
        }),
      );
    }
    await Promise.all(ops);
    const byUser = new Map<string, number>();
    for (const entry of remaining.values()) byUser.set(entry.userId, (byUser.get(entry.userId) ?? 0) + 1);
    for (let u = 0; u < 10; u++) {
      const p = await presence.get(`c${u}`);
      t.equal(p.connections, byUser.get(`c${u}`) ?? 0, `c${u} connections`);
      t.equal(p.online, byUser.has(`c${u}`), `c${u} online`);
    }
    const stats = await presence.stats();
    t.equal(stats.connections, remaining.size);
    t.equal(stats.online, byUser.size);
  });
}

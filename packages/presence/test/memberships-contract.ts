import type { LifecycleEntry } from '@gamesocket/protocol';
import type { DenyList, Memberships, Presence, SocketEntry } from '../src/index.js';
import type { TapTest } from '@gamesocket/test-helpers';

/** One node's cluster state as a test sees it: presence, memberships, deny-list and the lifecycle feed so far. */
export interface ClusterState {
  presence: Presence;
  memberships: Memberships;
  denyList: DenyList;
  /** Every lifecycle entry appended so far, in order per shard. */
  lifecycle(): Promise<LifecycleEntry[]>;
}

/** Builds fresh, empty state for one test; `graceMs` is the membership grace. */
export type MakeState = (t: TapTest, options: { graceMs: number }) => Promise<ClusterState>;

const socket = (userId: string, socketId: string, nodeId: string): SocketEntry => ({
  userId,
  socketId,
  nodeId,
  username: `name-${userId}`,
});

const LONG = 600_000;

/** Polls `check` every 20 ms until it holds; fails after `ms` (a bound, not a timing assertion). */
async function eventually(t: TapTest, what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) {
      t.fail(`timed out waiting for ${what}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const of = (entries: LifecycleEntry[], event: string): LifecycleEntry[] => entries.filter((e) => e.event === event);

/** One contract for every Memberships implementation (with the presence that reads it at the handshake). */
export function membershipsContract(t: TapTest, makeState: MakeState): void {
  t.test('a grant is new once; the handshake reads it; the room lists the member with presence', async (t) => {
    const { presence, memberships, lifecycle } = await makeState(t, { graceMs: LONG });
    t.same(await memberships.grant({ userId: 'u1', username: 'One' }, 'room:a', 'n1'), {
      granted: true,
      username: 'One',
    });
    t.same(
      await memberships.grant({ userId: 'u1' }, 'room:a', 'n1'),
      { granted: false, username: 'One' },
      'twice: not new',
    );
    await memberships.grant({ userId: 'u1' }, 'match:m', 'n1');
    t.same((await memberships.roomsOf('u1')).sort(), ['match:m', 'room:a']);
    const added = await presence.addSocket(socket('u1', 's1', 'n1'), 10);
    t.same(added.rooms.sort(), ['match:m', 'room:a'], 'the handshake reads the rooms');
    const second = await presence.addSocket(socket('u1', 's1', 'n1'), 10);
    t.same(second.rooms.sort(), ['match:m', 'room:a'], 'also for a socket already registered');
    t.same(await memberships.grant({ userId: 'u2', username: 'Two' }, 'room:a', 'n1'), {
      granted: true,
      username: 'Two',
    });
    t.same(
      await memberships.grant({ userId: 'u1' }, 'room:c', 'n1'),
      { granted: true, username: 'name-u1' },
      "no name given: the online user's",
    );
    t.same(await memberships.grant({ userId: 'nobody' }, 'room:c', 'n1'), { granted: true, username: 'nobody' });
    t.same(await memberships.members('room:a'), [
      { userId: 'u1', username: 'One', online: true, connections: 1 },
      { userId: 'u2', username: 'Two', online: false, connections: 0 },
    ]);
    t.same(await memberships.members('room:none'), [], 'an unknown room has no members');
    const joined = of(await lifecycle(), 'room:player_joined');
    t.equal(joined.length, 5, 'one room:player_joined per new membership');
    t.match(
      joined.find((e) => e.data.room === 'room:a' && e.data.userId === 'u1'),
      {
        data: { userId: 'u1', username: 'One', room: 'room:a' },
        nodeId: 'n1',
      },
    );
  });

  t.test('ending a membership happens once, with its reason; the last member empties the room', async (t) => {
    const { memberships, lifecycle } = await makeState(t, { graceMs: LONG });
    await memberships.grant({ userId: 'u1' }, 'room:a', 'n1');
    await memberships.grant({ userId: 'u2' }, 'room:a', 'n1');
    await memberships.grant({ userId: 'u1' }, 'room:b', 'n1');
    t.same(await memberships.end('u1', ['room:a', 'room:zzz'], 'left', 'n1'), ['room:a'], 'only what was held');
    t.same(await memberships.end('u1', ['room:a'], 'left', 'n1'), [], 'twice: nothing');
    t.same(await memberships.endAll('u1', 'revoked', 'n2'), ['room:b']);
    t.same(await memberships.roomsOf('u1'), []);
    t.same(await memberships.end('u2', ['room:a'], 'kicked', 'n1'), ['room:a']);
    const entries = await lifecycle();
    t.same(
      of(entries, 'room:player_left')
        .map((e) => `${e.data.userId} ${e.data.room} ${e.data.reason}`)
        .sort(),
      ['u1 room:a left', 'u1 room:b revoked', 'u2 room:a kicked'],
    );
    t.same(
      of(entries, 'room:emptied')
        .map((e) => e.data.room)
        .sort(),
      ['room:a', 'room:b'],
      'each room emptied once',
    );
  });

  t.test('rooms with members are listed across shards, searched and bounded', async (t) => {
    const { memberships } = await makeState(t, { graceMs: LONG });
    for (let i = 0; i < 12; i++) await memberships.grant({ userId: `user-${i}` }, 'room:big', 'n1');
    await memberships.grant({ userId: 'user-0' }, 'match:m1', 'n1');
    for (let i = 0; i < 20; i++)
      await memberships.grant({ userId: 'solo' }, `room:r${String(i).padStart(2, '0')}`, 'n1');
    t.same(await memberships.rooms({ limit: 3 }), {
      rooms: [
        { room: 'match:m1', members: 1 },
        { room: 'room:big', members: 12 },
        { room: 'room:r00', members: 1 },
      ],
      matched: 22,
    });
    t.same(await memberships.rooms({ limit: 10, search: 'BIG' }), {
      rooms: [{ room: 'room:big', members: 12 }],
      matched: 1,
    });
    await memberships.closeRoom('room:big', 'n1');
    await memberships.end('solo', ['room:r00'], 'kicked', 'n1');
    const after = await memberships.rooms({ limit: 100 });
    t.equal(after.matched, 20, 'closed and emptied rooms are gone');
    t.notOk(
      after.rooms.some((summary) => summary.room === 'room:big' || summary.room === 'room:r00'),
      'not listed',
    );
  });

  t.test('closing a room ends every membership of it, across shards, once', async (t) => {
    const { memberships, lifecycle } = await makeState(t, { graceMs: LONG });
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const userId of users) await memberships.grant({ userId }, 'room:big', 'n1');
    await memberships.grant({ userId: 'user-0' }, 'room:other', 'n1');
    t.same((await memberships.closeRoom('room:big', 'n1')).sort(), [...users].sort());
    t.same(await memberships.closeRoom('room:big', 'n1'), [], 'twice: nothing');
    t.same(await memberships.members('room:big'), []);
    t.same(await memberships.roomsOf('user-0'), ['room:other'], 'other rooms stay');
    const entries = await lifecycle();
    t.equal(of(entries, 'room:player_left').filter((e) => e.data.reason === 'closed').length, 12);
    t.same(
      of(entries, 'room:emptied').map((e) => e.data.room),
      ['room:big'],
    );
  });

  t.test('memberships expire after the grace without any socket, once, whoever sweeps', async (t) => {
    const { presence, memberships, lifecycle } = await makeState(t, { graceMs: 300 });
    const a = socket('u1', 's1', 'n1');
    const b = socket('u1', 's2', 'n2');
    await presence.addSocket(a);
    await presence.addSocket(b);
    await memberships.grant({ userId: 'u1' }, 'room:a', 'n1');
    await memberships.grant({ userId: 'stay' }, 'room:a', 'n1');
    await presence.addSocket(socket('stay', 's3', 'n1'));
    await presence.removeSocket(a);
    await presence.removeSocket(b);
    const ended: unknown[] = [];
    await eventually(t, 'the expiry', async () => {
      // Two pods sweep at once: each expiry happens once.
      const [x, y] = await Promise.all([memberships.expire('n1'), memberships.expire('n2')]);
      ended.push(...x, ...y);
      return ended.length > 0;
    });
    t.same(ended, [{ userId: 'u1', room: 'room:a' }]);
    t.same(await memberships.expire('n1'), [], 'nothing more');
    t.same(await memberships.roomsOf('stay'), ['room:a'], 'an online member keeps the room');
    const entries = await lifecycle();
    t.equal(of(entries, 'player:offline').length, 1, 'two tabs closing: one player:offline');
    t.match(of(entries, 'room:player_left'), [{ data: { userId: 'u1', room: 'room:a', reason: 'expired' } }]);
  });

  t.test('a user back within the grace keeps their memberships', async (t) => {
    const { presence, memberships } = await makeState(t, { graceMs: 300 });
    const a = socket('u1', 's1', 'n1');
    await presence.addSocket(a);
    await memberships.grant({ userId: 'u1' }, 'room:a', 'n1');
    await presence.removeSocket(a);
    await presence.addSocket(socket('u1', 's2', 'n1'));
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the grace: nothing may expire
    t.same(await memberships.expire('n1'), []);
    t.same(await memberships.roomsOf('u1'), ['room:a']);
  });

  t.test('a backend grant to a user who never connects expires after the grace', async (t) => {
    const { memberships } = await makeState(t, { graceMs: 200 });
    await memberships.grant({ userId: 'ghost' }, 'room:a', 'n1');
    const ended: unknown[] = [];
    await eventually(t, 'the expiry', async () => {
      ended.push(...(await memberships.expire('n1')));
      return ended.length > 0;
    });
    t.same(ended, [{ userId: 'ghost', room: 'room:a' }]);
  });

  t.test("a reaped node's users go offline once, and their memberships then expire", async (t) => {
    const { presence, memberships, lifecycle } = await makeState(t, { graceMs: 200 });
    await presence.heartbeat('dead', 1);
    await presence.addSocket(socket('u1', 's1', 'dead'));
    await memberships.grant({ userId: 'u1' }, 'room:a', 'dead');
    await new Promise((resolve) => setTimeout(resolve, 20)); // past the 1 ms heartbeat
    t.same(await presence.reapDeadNodes(), [{ userId: 'u1', username: 'name-u1' }]);
    t.same(await presence.reapDeadNodes(), [], 'reaped once');
    t.equal(of(await lifecycle(), 'player:offline').length, 1);
    const ended: unknown[] = [];
    await eventually(t, 'the expiry', async () => {
      ended.push(...(await memberships.expire('n1')));
      return ended.length > 0;
    });
    t.same(ended, [{ userId: 'u1', room: 'room:a' }]);
  });

  t.test('the handshake refuses a revoked user or token and stores nothing', async (t) => {
    const { presence, denyList, lifecycle } = await makeState(t, { graceMs: LONG });
    await denyList.deny({ userId: 'bad' }, Date.now() + 60_000);
    await denyList.deny({ jti: 'stolen' }, Date.now() + 60_000);
    t.match(await presence.addSocket(socket('bad', 's1', 'n1'), 10, {}), { accepted: false, denied: true });
    t.match(await presence.addSocket(socket('good', 's2', 'n1'), 10, { jti: 'stolen' }), {
      accepted: false,
      denied: true,
    });
    t.match(await presence.addSocket(socket('good', 's3', 'n1'), 10, { jti: 'fine' }), {
      accepted: true,
      denied: false,
    });
    t.match(await presence.addSocket(socket('bad', 's4', 'n1'), 10), { accepted: true }, 'no check asked: no check');
    t.same(await presence.stats(), { online: 2, connections: 2, nodes: 0 });
    t.same(
      of(await lifecycle(), 'player:online')
        .map((e) => e.data.userId)
        .sort(),
      ['bad', 'good'],
    );
  });

  t.test('restore puts back lost memberships quietly', async (t) => {
    const { memberships, lifecycle } = await makeState(t, { graceMs: LONG });
    await memberships.restore([{ userId: 'u1', username: 'One', rooms: ['room:a'] }], 'n1');
    const rooms = await memberships.roomsOf('u1');
    // Memory state cannot be lost: nothing to restore there; Redis state gets the membership back.
    t.ok(rooms.length === 0 || (rooms.length === 1 && rooms[0] === 'room:a'));
    t.same(of(await lifecycle(), 'room:player_joined'), [], 'no transition announced');
  });
}

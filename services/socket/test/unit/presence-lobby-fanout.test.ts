import t from 'tap';
import type { LobbyPresenceDiffPayload, UserPresence } from '@gamesocket/protocol';
import { createLogger } from '../../src/core/logger.js';
import { LobbyFanout, MAX_DIFF_USERS, READ_TIMEOUT_MS, type LobbyFanoutDeps } from '../../src/presence/lobby-fanout.js';

const log = createLogger({ level: 'silent', nodeId: 'unit' });
const user = (userId: string) => ({ userId, username: `name-${userId}` });
const HOUR = 3_600_000;

/** A fan-out over a fake store (`online` users and their statuses) that records what it sends and reads. */
function harness(t: { teardown(fn: () => unknown): void }, options: Partial<LobbyFanoutDeps> = {}) {
  const online = new Map<string, string>();
  const sent: LobbyPresenceDiffPayload[] = [];
  const reads: string[][] = [];
  let onSend = (): void => undefined;
  const fanout = new LobbyFanout({
    intervalMs: HOUR,
    storeUp: () => true,
    read: async (userIds) => {
      reads.push([...userIds]);
      return userIds.map((userId): UserPresence =>
        online.has(userId)
          ? { userId, online: true, connections: 1, status: online.get(userId) ?? 'online' }
          : { userId, online: false, connections: 0, status: null },
      );
    },
    send: (diff) => {
      sent.push(diff);
      onSend();
    },
    log,
    ...options,
  });
  t.teardown(() => fanout.stop());
  /** Resolves at the next send; rejects after 5 s (a ref'd timer: the fan-out's own is unref'd). */
  const nextSend = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no diff sent within 5 s')), 5000);
      onSend = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return { fanout, online, sent, reads, nextSend };
}

t.test('a flush sends one diff of every change, checked with one read of the users concerned', async (t) => {
  const { fanout, online, sent, reads } = harness(t);
  online.set('a', 'online').set('b', 'in_match');
  fanout.online(user('a'));
  fanout.status('b', 'away');
  fanout.offline(user('c'));
  fanout.online(user('d'));
  fanout.offline(user('d'));
  await fanout.flush();
  t.same(reads, [['a', 'b', 'c']], 'one read, the came-and-went user not even read');
  t.same(sent, [
    {
      online: [{ userId: 'a', username: 'name-a', status: 'online' }],
      offline: ['c'],
      status: [{ userId: 'b', status: 'in_match' }],
    },
  ]);
  await fanout.flush();
  t.equal(sent.length, 1, 'nothing pending: nothing sent');
  t.equal(reads.length, 1, 'and nothing read');
});

t.test('while the store is down, or a read fails, the diff goes out unchecked', async (t) => {
  const down = harness(t, { storeUp: () => false });
  down.fanout.online(user('a'));
  await down.fanout.flush();
  t.same(down.reads, [], 'no read while the store is down');
  t.same(down.sent, [{ online: [{ userId: 'a', username: 'name-a', status: 'online' }], offline: [], status: [] }]);

  const failing = harness(t, { read: () => Promise.reject(new Error('redis went away')) });
  failing.fanout.offline(user('b'));
  await failing.fanout.flush();
  t.same(failing.sent, [{ online: [], offline: ['b'], status: [] }]);
});

t.test('a claim another pod overtook is left out, then sent if the next look agrees with it', async (t) => {
  const { fanout, online, sent, reads } = harness(t);
  online.set('mover', 'online');
  fanout.offline(user('mover')); // its reload landed on another pod: online there
  await fanout.flush();
  t.same(sent, [], 'not sent: the other pod lists the user online');
  online.delete('mover'); // and it left that pod within its interval: that pod says nothing
  await fanout.flush();
  t.same(reads, [['mover'], ['mover']], 'looked again once');
  t.same(sent, [{ online: [], offline: ['mover'], status: [] }]);
});

t.test('the timer sends by itself an interval after the first change (unref, no flush needed)', async (t) => {
  const { fanout, sent, nextSend } = harness(t, { intervalMs: 0, storeUp: () => false });
  const sending = nextSend();
  fanout.online(user('a'));
  fanout.online(user('b'));
  await sending;
  t.same(sent, [
    {
      online: [
        { userId: 'a', username: 'name-a', status: 'online' },
        { userId: 'b', username: 'name-b', status: 'online' },
      ],
      offline: [],
      status: [],
    },
  ]);
});

t.test('one diff at a time: a flush asked while one is reading goes after it, in order', async (t) => {
  let release = (): void => undefined;
  const firstRead = new Promise<void>((resolve) => (release = resolve));
  let started = (): void => undefined;
  const reading = new Promise<void>((resolve) => (started = resolve));
  let readsStarted = 0;
  const { fanout, sent } = harness(t, {
    read: async (userIds) => {
      if (readsStarted++ === 0) {
        started();
        await firstRead;
      }
      return userIds.map((userId) => ({ userId, online: true, connections: 1, status: 'online' }));
    },
  });
  fanout.online(user('first'));
  const first = fanout.flush();
  await reading;
  fanout.status('first', 'away');
  const second = fanout.flush();
  await Promise.resolve();
  t.equal(readsStarted, 1, 'the second waits for the first');
  release();
  await Promise.all([first, second]);
  t.same(sent, [
    { online: [{ userId: 'first', username: 'name-first', status: 'online' }], offline: [], status: [] },
    { online: [], offline: [], status: [{ userId: 'first', status: 'online' }] },
  ]);
});

t.test('stop sends what is pending; a change after it goes out at once', async (t) => {
  const { fanout, sent, nextSend } = harness(t, { storeUp: () => false });
  fanout.online(user('a'));
  await fanout.stop();
  t.same(sent, [{ online: [{ userId: 'a', username: 'name-a', status: 'online' }], offline: [], status: [] }]);
  const sending = nextSend();
  fanout.offline(user('swept'));
  await sending;
  t.same(sent.at(-1), { online: [], offline: ['swept'], status: [] }, 'without waiting an hour');
});

t.test('a diff lists at most MAX_DIFF_USERS users; the rest go in the next one, and stop sends them all', async (t) => {
  t.equal(MAX_DIFF_USERS, 1000);
  const { fanout, sent } = harness(t, { storeUp: () => false });
  for (let i = 0; i < 2 * MAX_DIFF_USERS + 1; i++) fanout.offline(user(`u${i}`));
  await fanout.flush();
  t.same(
    sent.map((diff) => diff.offline.length),
    [MAX_DIFF_USERS],
    'one bounded diff per flush',
  );
  await fanout.stop();
  t.same(
    sent.map((diff) => diff.offline.length),
    [MAX_DIFF_USERS, MAX_DIFF_USERS, 1],
    'stop sends what is left, bounded too',
  );
  t.same(new Set(sent.flatMap((diff) => diff.offline)).size, 2 * MAX_DIFF_USERS + 1, 'everyone once');
});

t.test('a store that does not answer holds a diff at most READ_TIMEOUT_MS, then it goes out unchecked', async (t) => {
  t.equal(READ_TIMEOUT_MS, 2000);
  const { fanout, sent } = harness(t, { read: () => new Promise<never>(() => undefined) });
  fanout.offline(user('a'));
  await fanout.flush();
  t.same(sent, [{ online: [], offline: ['a'], status: [] }]);
});

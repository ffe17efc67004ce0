import t from 'tap';
import type { UserPresence } from '@gamesocket/protocol';
import { isEmptyDiff, LobbyDiff, settle, type Claim } from '../../src/presence/lobby-diff.js';

const user = (userId: string) => ({ userId, username: `name-${userId}` });
const online = (userId: string, status = 'online'): UserPresence => ({ userId, online: true, connections: 1, status });
const offline = (userId: string): UserPresence => ({ userId, online: false, connections: 0, status: null });
const store = (...users: UserPresence[]) => new Map(users.map((presence) => [presence.userId, presence]));

t.test('one claim per user whose state changed, netted over the interval', async (t) => {
  const diff = new LobbyDiff();
  diff.online(user('came'));
  diff.offline('went');
  diff.status('busy', 'away');
  diff.status('busy', 'busy');
  diff.online(user('came-and-went'));
  diff.offline('came-and-went');
  diff.offline('went-and-came-back');
  diff.online({ userId: 'went-and-came-back', username: 'new-name' });
  diff.online(user('came-then-status'));
  diff.status('came-then-status', 'in_match');
  diff.status('status-then-went', 'away');
  diff.offline('status-then-went');
  t.equal(diff.size, 7);
  t.same(diff.take(), [
    { kind: 'online', userId: 'came', username: 'name-came', status: 'online' },
    { kind: 'offline', userId: 'went' },
    { kind: 'status', userId: 'busy', status: 'busy' },
    // came-and-went: nothing at all
    { kind: 'online', userId: 'went-and-came-back', username: 'new-name', status: 'online' },
    { kind: 'online', userId: 'came-then-status', username: 'name-came-then-status', status: 'in_match' },
    { kind: 'offline', userId: 'status-then-went' },
  ]);
  t.equal(diff.size, 0, 'take starts a new interval');
  t.same(diff.take(), [], 'nothing pending');
});

t.test('a user who came and went within one interval is in no claim, however often', async (t) => {
  const diff = new LobbyDiff();
  for (let i = 0; i < 5; i++) {
    diff.online(user('flaky'));
    diff.status('flaky', 'away');
    diff.offline('flaky');
  }
  t.same(diff.take(), []);
});

t.test('the intervals are independent: the next one starts from the state the last one ended in', async (t) => {
  const diff = new LobbyDiff();
  diff.online(user('u'));
  t.same(diff.take(), [{ kind: 'online', userId: 'u', username: 'name-u', status: 'online' }]);
  diff.offline('u');
  t.same(diff.take(), [{ kind: 'offline', userId: 'u' }], 'listed online before: its going is a claim');
});

t.test('settle without the store: the claims as they are', async (t) => {
  const claims: Claim[] = [
    { kind: 'online', userId: 'a', username: 'A', status: 'online' },
    { kind: 'offline', userId: 'b' },
    { kind: 'status', userId: 'c', status: 'away' },
  ];
  t.same(settle(claims), {
    diff: {
      online: [{ userId: 'a', username: 'A', status: 'online' }],
      offline: ['b'],
      status: [{ userId: 'c', status: 'away' }],
    },
    contradicted: [],
  });
});

t.test('settle with the store: stored statuses; a contradicted claim is left out and kept once', async (t) => {
  const claims: Claim[] = [
    { kind: 'online', userId: 'a', username: 'A', status: 'online' },
    { kind: 'status', userId: 'c', status: 'away' },
    // Reloaded onto another pod: online there now, that pod lists it.
    { kind: 'offline', userId: 'reloaded' },
    // Its other tab closed on another pod meanwhile: that pod lists it offline.
    { kind: 'online', userId: 'closed-elsewhere', username: 'X', status: 'online' },
    { kind: 'status', userId: 'gone', status: 'away' },
  ];
  const now = store(
    online('a', 'busy'),
    online('c', 'in_match'),
    online('reloaded'),
    offline('closed-elsewhere'),
    offline('gone'),
  );
  const { diff, contradicted } = settle(claims, now);
  t.same(diff, {
    online: [{ userId: 'a', username: 'A', status: 'busy' }],
    offline: [],
    status: [{ userId: 'c', status: 'in_match' }],
  });
  t.same(
    contradicted,
    [
      { kind: 'offline', userId: 'reloaded', recheck: true },
      { kind: 'online', userId: 'closed-elsewhere', username: 'X', status: 'online', recheck: true },
      { kind: 'status', userId: 'gone', status: 'away', recheck: true },
    ],
    'kept for one more look',
  );
  t.same(
    settle(contradicted, now),
    { diff: { online: [], offline: [], status: [] }, contradicted: [] },
    'then dropped',
  );
  t.same(
    settle(contradicted, store(offline('reloaded'), offline('closed-elsewhere'), offline('gone'))).diff,
    { online: [], offline: ['reloaded'], status: [] },
    'a recheck the store now agrees with is sent (the other pod came and went: it says nothing)',
  );
});

t.test(
  'recheck: contradicted claims come back in the next take, unless a newer transition supersedes them',
  async (t) => {
    const diff = new LobbyDiff();
    diff.recheck([
      { kind: 'offline', userId: 'r1', recheck: true },
      { kind: 'online', userId: 'r2', username: 'R2', status: 'away', recheck: true },
      { kind: 'status', userId: 'r3', status: 'busy', recheck: true },
      { kind: 'offline', userId: 'r4', recheck: true },
    ]);
    diff.online(user('r4'));
    t.same(diff.take(), [
      { kind: 'offline', userId: 'r1', recheck: true },
      { kind: 'online', userId: 'r2', username: 'R2', status: 'away', recheck: true },
      { kind: 'status', userId: 'r3', status: 'busy', recheck: true },
      { kind: 'online', userId: 'r4', username: 'name-r4', status: 'online' },
    ]);
    diff.status('r5', 'away');
    diff.recheck([{ kind: 'offline', userId: 'r5', recheck: true }]);
    t.same(diff.take(), [{ kind: 'status', userId: 'r5', status: 'away' }], 'a pending transition wins');
  },
);

t.test('take(max): at most max claims, oldest first; the rest stay for the next interval', async (t) => {
  const diff = new LobbyDiff();
  diff.online(user('a'));
  diff.online(user('gone'));
  diff.offline('gone'); // came and went: taken, but no claim
  diff.online(user('b'));
  diff.online(user('c'));
  t.same(
    diff.take(2).map((claim) => claim.userId),
    ['a', 'b'],
  );
  t.equal(diff.size, 1, 'c waits');
  t.same(
    diff.take(2).map((claim) => claim.userId),
    ['c'],
  );
});

t.test('isEmptyDiff', async (t) => {
  t.ok(isEmptyDiff({ online: [], offline: [], status: [] }));
  t.notOk(isEmptyDiff({ online: [], offline: ['x'], status: [] }));
});

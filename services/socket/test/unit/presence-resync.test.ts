import t from 'tap';
import { usersToRecheck } from '../../src/presence/outage-resync.js';

const entry = (socketId: string, userId: string, username?: string) => ({ socketId, userId, nodeId: 'n', username });

t.test('missed removals are rechecked once per user, except users the resync announced offline', async (t) => {
  const missed = [entry('s1', 'a', 'A-old'), entry('s2', 'b'), entry('s3', 'a', 'A-new'), entry('s4', 'c')];
  t.same(usersToRecheck(missed, [{ userId: 'b', username: 'B' }]), [entry('s3', 'a', 'A-new'), entry('s4', 'c')]);
  t.same(usersToRecheck([], []), []);
  t.same(
    usersToRecheck(missed, [
      { userId: 'a', username: 'A' },
      { userId: 'b', username: 'B' },
      { userId: 'c', username: 'C' },
    ]),
    [],
  );
});

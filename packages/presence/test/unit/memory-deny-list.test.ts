import t from 'tap';
import { MemoryDenyList } from '../../src/index.js';

t.test('expired denials are swept: the list stays near the active ones, not everything ever denied', async (t) => {
  let now = 1_000_000;
  const list = new MemoryDenyList({ now: () => now });
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1000; i++) await list.deny({ userId: `u${round}-${i}` }, now + 1000);
    now += 2000; // every denial of this round has expired
  }
  t.ok(list.size <= 2048, `20 000 denials made, ${list.size} held`);
  await list.deny({ userId: 'active' }, now + 60_000);
  t.equal(await list.isDenied('active', undefined), true, 'an active denial holds');
  t.equal(await list.isDenied('u19-999', undefined), false, 'an expired one does not');
});

t.test('never more than maxEntries: at the cap the denial that expires first gives way', async (t) => {
  const now = 1_000_000;
  const list = new MemoryDenyList({ maxEntries: 3, now: () => now });
  await list.deny({ userId: 'soonest' }, now + 1000);
  await list.deny({ userId: 'b' }, now + 5000);
  await list.deny({ jti: 'c' }, now + 6000);
  await list.deny({ userId: 'd' }, now + 7000);
  t.equal(list.size, 3);
  t.equal(await list.isDenied('soonest', undefined), false, 'the soonest to expire went');
  t.equal(await list.isDenied('b', undefined), true);
  t.equal(await list.isDenied('x', 'c'), true, 'a token id denial holds');
  t.equal(await list.isDenied('d', undefined), true);
});

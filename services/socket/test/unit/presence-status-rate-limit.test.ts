import t from 'tap';
import {
  MAX_TRACKED_USERS,
  STATUS_BURST,
  STATUS_PER_SEC,
  StatusRateLimit,
} from '../../src/presence/status-rate-limit.js';

t.test('the documented budget: 5 at once, then 1 per second, per user', async (t) => {
  t.equal(STATUS_BURST, 5);
  t.equal(STATUS_PER_SEC, 1);
  t.equal(MAX_TRACKED_USERS, 50_000);
  let now = 0;
  const limits = new StatusRateLimit({ perSec: STATUS_PER_SEC, burst: STATUS_BURST, now: () => now });
  const taken = Array.from({ length: 7 }, () => limits.take('u1'));
  t.same(taken, [true, true, true, true, true, false, false], 'the burst, then refused');
  t.ok(limits.take('u2'), 'another user has a budget of their own');
  now += 999;
  t.notOk(limits.take('u1'), 'not a whole change refilled yet');
  now += 1;
  t.ok(limits.take('u1'), 'one per second');
  t.notOk(limits.take('u1'));
});

t.test('memory is bounded: refilled budgets are forgotten first, then the oldest', async (t) => {
  let now = 0;
  const limits = new StatusRateLimit({ perSec: 1, burst: 2, now: () => now }, 4);
  for (const userId of ['a', 'b', 'c']) limits.take(userId);
  now += 1000; // a, b, c are full again
  limits.take('d');
  limits.take('d');
  t.equal(limits.size, 4);
  limits.take('e');
  t.equal(limits.size, 2, 'the refilled a, b, c are forgotten; d (spent) and e kept');
  t.notOk(limits.take('d'), "d's spent budget is still remembered");
  for (const userId of ['f', 'g']) {
    limits.take(userId);
    limits.take(userId);
  }
  t.equal(limits.size, 4);
  limits.take('h');
  t.ok(limits.size <= 4, `never more than the bound (${limits.size})`);
  t.ok(limits.take('d'), 'past the bound the oldest is forgiven');
});

import t from 'tap';
import { TokenBucket } from '../../src/core/token-bucket.js';

/** A clock that moves only when told. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let at = 1_000_000;
  return {
    now: () => at,
    advance(ms) {
      at += ms;
    },
  };
}

/** Takes until refused; how many were allowed (bounded so a broken bucket fails instead of hanging). */
function drain(bucket: TokenBucket): number {
  let taken = 0;
  while (taken < 1000 && bucket.take()) taken++;
  return taken;
}

t.test('starts full: a burst of exactly `burst` events, then refusals', async (t) => {
  const clock = manualClock();
  const bucket = new TokenBucket({ perSec: 10, burst: 5, now: clock.now });
  t.equal(drain(bucket), 5, 'burst allowed');
  t.notOk(bucket.take(), 'the next one is refused');
  t.notOk(bucket.take(), 'and stays refused while the clock stands still');
});

t.test('refills at perSec, one token at a time', async (t) => {
  const clock = manualClock();
  const bucket = new TokenBucket({ perSec: 10, burst: 5, now: clock.now });
  drain(bucket);
  clock.advance(99);
  t.notOk(bucket.take(), '0.99 of a token is not enough');
  clock.advance(1);
  t.ok(bucket.take(), 'one token after 100 ms at 10/s');
  t.notOk(bucket.take(), 'only one');
  clock.advance(300);
  t.equal(drain(bucket), 3, 'three tokens after 300 ms');
});

t.test('never holds more than burst, however long it rests', async (t) => {
  const clock = manualClock();
  const bucket = new TokenBucket({ perSec: 10, burst: 5, now: clock.now });
  drain(bucket);
  clock.advance(3_600_000);
  t.equal(drain(bucket), 5, 'a full burst, not an hour of tokens');
});

t.test('a refused take costs nothing: the refill keeps counting', async (t) => {
  const clock = manualClock();
  const bucket = new TokenBucket({ perSec: 2, burst: 1, now: clock.now });
  t.ok(bucket.take());
  clock.advance(250);
  t.notOk(bucket.take(), 'half a token');
  clock.advance(250);
  t.ok(bucket.take(), 'the two halves make one');
});

t.test('isFull: true once refilled to burst, so the bucket can be forgotten', async (t) => {
  const clock = manualClock();
  const bucket = new TokenBucket({ perSec: 10, burst: 5, now: clock.now });
  t.ok(bucket.isFull(), 'a new bucket is full');
  t.ok(bucket.take());
  t.notOk(bucket.isFull(), 'one taken');
  t.notOk(bucket.isFull(clock.now() + 99), 'not yet at a given time');
  t.ok(bucket.isFull(clock.now() + 100), 'full at a given time');
  clock.advance(100);
  t.ok(bucket.isFull(), 'full again by the clock');
});

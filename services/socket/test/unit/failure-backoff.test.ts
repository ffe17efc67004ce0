import t from 'tap';
import { createFailureBackoff, type FailureBackoffOptions } from '../../src/http/failure-backoff.js';

function setup(options: Partial<FailureBackoffOptions> = {}) {
  const clock = { ms: 1_000_000 };
  const backoff = createFailureBackoff({
    freeFailures: 3,
    baseMs: 1000,
    maxMs: 8000,
    maxKeys: 100,
    now: () => clock.ms,
    ...options,
  });
  return { clock, backoff };
}

t.test('free failures, then a lockout that doubles with every failure or attempt while locked', async (t) => {
  const { clock, backoff } = setup();
  for (let i = 1; i <= 3; i++) {
    t.same(backoff.attempt('a'), { allowed: true }, `attempt ${i} is checked`);
    t.same(backoff.failed('a'), { allowed: true }, `failure ${i} is answered as a wrong attempt`);
  }
  t.same(backoff.attempt('b'), { allowed: true }, 'another key is not affected');
  t.same(backoff.attempt('a'), { allowed: false, retryAfterMs: 2000 }, 'locked: refused, and it doubles (2 s)');
  t.same(backoff.attempt('a'), { allowed: false, retryAfterMs: 4000 }, 'again: 4 s');
  t.same(backoff.attempt('a'), { allowed: false, retryAfterMs: 8000 }, 'again: 8 s, the longest');
  t.same(backoff.attempt('a'), { allowed: false, retryAfterMs: 8000 }, 'never longer');

  clock.ms += 8000;
  t.same(backoff.attempt('a'), { allowed: true }, 'once the lockout has passed, an attempt is checked');
  t.same(backoff.failed('a'), { allowed: false, retryAfterMs: 8000 }, 'and a wrong one is refused, locked again');
  clock.ms += 8000;
  t.same(backoff.attempt('a'), { allowed: true });
  backoff.succeeded('a');
  for (let i = 1; i <= 3; i++) t.same(backoff.failed('a'), { allowed: true }, `after a success: free failure ${i}`);
  t.match(backoff.attempt('a'), { allowed: false }, 'then locked again');
});

t.test('the first lockout is the base', async (t) => {
  const { clock, backoff } = setup({ freeFailures: 1 });
  t.same(backoff.failed('a'), { allowed: true }, 'the failure that starts the lockout is a wrong attempt');
  clock.ms += 999;
  t.same(backoff.attempt('a'), { allowed: false, retryAfterMs: 2000 }, 'within the base second: refused, doubled');
});

t.test('memory is bounded: past maxKeys, quiet keys go first, then the oldest', async (t) => {
  const { clock, backoff } = setup({ maxKeys: 3, freeFailures: 1, maxMs: 1000, baseMs: 1000 });
  backoff.failed('old');
  clock.ms += 10_000;
  backoff.failed('x');
  backoff.failed('y');
  backoff.failed('z');
  t.equal(backoff.size, 3, 'never more than maxKeys');
  t.same(backoff.attempt('old'), { allowed: true }, 'the quiet key was forgotten');
  t.match(backoff.attempt('x'), { allowed: false }, 'the locked ones are kept');
  for (let i = 0; i < 1000; i++) backoff.failed(`flood-${i}`);
  t.equal(backoff.size, 3, 'a flood of keys stays within the bound');
});

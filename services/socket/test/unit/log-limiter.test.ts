import t from 'tap';
import { limitLog, truncate } from '../../src/core/log-limiter.js';
import { WAIT_MS, withTimeout } from '@gamesocket/test-helpers/wait';

/** A limiter whose lines are kept; `nextSummary()` resolves with the next summary line it writes. */
function setup(intervalMs: number, maxSamples?: number) {
  const lines: { kind: 'first' | 'summary'; count: number; details: readonly string[] }[] = [];
  const waiting: (() => void)[] = [];
  const limiter = limitLog({
    intervalMs,
    ...(maxSamples !== undefined && { maxSamples }),
    first: (detail) => lines.push({ kind: 'first', count: 1, details: [detail] }),
    summary: (count, samples) => {
      lines.push({ kind: 'summary', count, details: samples });
      for (const wake of waiting.splice(0)) wake();
    },
  });
  const nextSummary = (): Promise<void> =>
    withTimeout(new Promise<void>((resolve) => waiting.push(resolve)), WAIT_MS, 'a summary line');
  return { limiter, lines, nextSummary };
}

t.test('the first occurrence is written at once, the rest of the interval as one summary', async (t) => {
  const { limiter, lines, nextSummary } = setup(50);
  limiter.note('a');
  t.same(lines, [{ kind: 'first', count: 1, details: ['a'] }], 'the first line at once');
  const summary = nextSummary();
  for (let i = 0; i < 1000; i++) limiter.note(i % 2 === 0 ? 'b' : 'c');
  t.equal(lines.length, 1, '1000 more occurrences write nothing yet');
  await summary;
  t.same(lines[1], { kind: 'summary', count: 1000, details: ['b', 'c'] }, 'one summary: the count, distinct details');

  // The interval after a summary is counted too: a steady flood stays at one line per interval.
  const again = nextSummary();
  limiter.note('d');
  await again;
  t.same(lines[2], { kind: 'summary', count: 1, details: ['d'] });
  limiter.flush();
  t.equal(lines.length, 3, 'flushing with nothing pending writes nothing');
});

t.test('flush writes the pending summary at once; the next occurrence is a first line again', async (t) => {
  const { limiter, lines } = setup(60_000, 2);
  for (const detail of ['a', 'b', 'c', 'd', 'b']) limiter.note(detail);
  limiter.flush();
  t.same(lines, [
    { kind: 'first', count: 1, details: ['a'] },
    { kind: 'summary', count: 4, details: ['b', 'c'] },
  ]);
  limiter.note('e');
  t.same(lines[2], { kind: 'first', count: 1, details: ['e'] });
  limiter.flush();
});

t.test('details are cut to 100 characters', async (t) => {
  const { limiter, lines } = setup(60_000);
  const long = `http://${'x'.repeat(8192)}.example`;
  limiter.note(long);
  limiter.note(long);
  limiter.flush();
  t.equal(lines[0]?.details[0], truncate(long, 100));
  t.equal(lines[0]?.details[0]?.length, 101, '100 characters and the mark');
  t.equal(lines[1]?.details[0], truncate(long, 100), 'in summaries too');
  t.equal(truncate('short', 100), 'short', 'a short detail is kept whole');
});

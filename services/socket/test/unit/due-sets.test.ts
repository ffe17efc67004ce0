import t from 'tap';
import { DueSets } from '../../src/lifetime/due-sets.js';
import { WAIT_MS, withTimeout } from '@gamesocket/test-helpers/wait';

const UNIT_MS = 20;

/** A DueSets on the real monotonic clock that records when each item was served. */
function recording() {
  const served: { item: string; at: number }[] = [];
  let wake: (() => void) | undefined;
  const sets: DueSets<string> = new DueSets((item) => {
    served.push({ item, at: performance.now() });
    wake?.();
  }, UNIT_MS);
  const servedCount = (n: number): Promise<void> =>
    withTimeout(
      new Promise<void>((resolve) => {
        wake = () => served.length >= n && resolve();
        wake();
      }),
      WAIT_MS,
      `${n} items served`,
    );
  return { sets, served, servedCount };
}

t.test('items are served once, by key, never before their key', async (t) => {
  const { sets, served, servedCount } = recording();
  const late = sets.keyIn(3 * UNIT_MS);
  const soon = sets.keyIn(UNIT_MS);
  sets.add(late, 'late');
  sets.add(soon, 'soon-a');
  sets.add(soon, 'soon-b');
  sets.add(soon, 'soon-a');
  t.equal(sets.size, 3, 'a second add under the same key changes nothing');
  await servedCount(3);
  t.same(
    served.map((s) => s.item),
    ['soon-a', 'soon-b', 'late'],
    'the earlier key first, one batch per key',
  );
  for (const { item, at } of served) {
    const key = item === 'late' ? late : soon;
    t.ok(at >= key * UNIT_MS, `${item} served at ${at.toFixed(1)} ms, its key starts at ${key * UNIT_MS} ms`);
  }
  t.equal(sets.size, 0, 'nothing waits');
});

t.test('a removed item is not served; serving may add again', async (t) => {
  const served: string[] = [];
  let wake: (() => void) | undefined;
  const sets: DueSets<string> = new DueSets((item) => {
    served.push(item);
    if (item === 'again' && served.length < 3) sets.add(sets.keyIn(UNIT_MS), 'again');
    wake?.();
  }, UNIT_MS);
  const key = sets.keyIn(UNIT_MS);
  sets.add(key, 'removed');
  sets.add(key, 'again');
  t.ok(sets.remove(key, 'removed'), 'removed');
  t.notOk(sets.remove(key, 'removed'), 'a second remove finds nothing');
  t.notOk(sets.remove(key + 1, 'again'), 'not under another key');
  await withTimeout(
    new Promise<void>((resolve) => {
      wake = () => served.length >= 3 && resolve();
    }),
    WAIT_MS,
    'three serves',
  );
  t.same(served, ['again', 'again', 'again'], 'served on each add, the removed one never');
  t.equal(sets.size, 0);
});

t.test('an item removed while its batch is served is not served', async (t) => {
  const served: string[] = [];
  let removedMeanwhile: boolean | undefined;
  let wake: (() => void) | undefined;
  const sets: DueSets<string> = new DueSets((item) => {
    served.push(item);
    if (item === 'a') removedMeanwhile = sets.remove(key, 'b');
    wake?.();
  }, UNIT_MS);
  const key = sets.keyIn(UNIT_MS);
  sets.add(key, 'a');
  sets.add(key, 'b');
  sets.add(key, 'c');
  await withTimeout(
    new Promise<void>((resolve) => {
      wake = () => served.length >= 2 && resolve();
    }),
    WAIT_MS,
    'the batch',
  );
  t.equal(removedMeanwhile, true, 'the remove found it');
  t.same(served, ['a', 'c'], 'and it was not served');
  t.equal(sets.size, 0);
});

t.test('an earlier key added later re-arms the timer for it', async (t) => {
  const { sets, served, servedCount } = recording();
  sets.add(sets.keyIn(WAIT_MS * 10), 'far');
  sets.add(sets.keyIn(UNIT_MS), 'near');
  await servedCount(1);
  t.same(
    served.map((s) => s.item),
    ['near'],
    'served without waiting for the far key',
  );
  t.equal(sets.size, 1, 'the far one still waits');
});

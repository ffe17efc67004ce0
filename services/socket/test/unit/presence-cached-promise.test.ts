import t from 'tap';
import { cachedPromise } from '../../src/presence/cached-promise.js';

/** A load that counts its calls and settles as told. */
function loader() {
  const calls: { resolve: (value: number) => void; reject: (err: Error) => void }[] = [];
  const load = () => new Promise<number>((resolve, reject) => calls.push({ resolve, reject }));
  return { load, calls };
}

t.test('one load is shared for maxAgeMs, then loaded again', async (t) => {
  let now = 1000;
  const { load, calls } = loader();
  const get = cachedPromise(load, 100, () => now);
  const first = get();
  t.equal(get(), first, 'a pending load is shared');
  calls[0]?.resolve(1);
  t.equal(await first, 1);
  now += 100;
  t.equal(get(), first, 'still fresh at exactly maxAgeMs');
  t.equal(calls.length, 1);
  now += 1;
  const second = get();
  t.not(second, first, 'stale: loaded again');
  calls[1]?.resolve(2);
  t.equal(await second, 2);
  t.equal(calls.length, 2);
});

t.test('a failed load is forgotten: the next call loads again', async (t) => {
  const now = 1000;
  const { load, calls } = loader();
  const get = cachedPromise(load, 100, () => now);
  const failing = get();
  calls[0]?.reject(new Error('store down'));
  await t.rejects(failing, { message: 'store down' });
  const retry = get();
  t.not(retry, failing);
  t.equal(calls.length, 2, 'loaded again within maxAgeMs');
  calls[1]?.resolve(3);
  t.equal(await retry, 3);
});

t.test("an old load's failure does not forget a newer load", async (t) => {
  let now = 1000;
  const { load, calls } = loader();
  const get = cachedPromise(load, 100, () => now);
  const old = get();
  now += 101;
  const newer = get();
  calls[0]?.reject(new Error('late failure'));
  await t.rejects(old);
  t.equal(get(), newer, 'the newer load is still shared');
  calls[1]?.resolve(4);
  t.equal(await newer, 4);
  t.equal(calls.length, 2);
});

import t from 'tap';
import { MemoryStream } from '../../src/index.js';

/** Resolves with what `promise` gives, or rejects after `ms`. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A handler that records values and resolves `reached` once it has `count` of them. */
function collect(count: number) {
  const seen: string[] = [];
  let done: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (done = resolve));
  return {
    seen,
    reached: bounded(reached, 5000, `${count} values`),
    handle: (value: string) => {
      seen.push(value);
      if (seen.length === count) done();
    },
  };
}

t.test('ids are <ms>-<seq> and grow with every append, many per millisecond too', async (t) => {
  const stream = new MemoryStream<string>(10_000);
  const ids = Array.from({ length: 500 }, (_, i) => stream.append(() => `v${i}`));
  t.ok(
    ids.every((id) => /^\d+-\d+$/.test(id)),
    'every id is <ms>-<seq>',
  );
  const key = (id: string): [number, number] => id.split('-').map(Number) as [number, number];
  const grows = ids.every((id, i) => {
    if (i === 0) return true;
    const [ms, seq] = key(id);
    const [prevMs, prevSeq] = key(ids[i - 1] as string);
    return ms > prevMs || (ms === prevMs && seq > prevSeq);
  });
  t.ok(grows, 'strictly increasing');
});

t.test('capped: a group made later gets what is left; a group behind skips what was trimmed', async (t) => {
  const stream = new MemoryStream<string>(3);
  const early = collect(1);
  const behind = stream.consume({ group: 'early', consumer: 'c' }, early.handle, () => undefined);
  stream.append(() => 'a');
  await early.reached;
  await behind.stop();
  for (const value of ['b', 'c', 'd', 'e']) stream.append(() => value);
  const late = collect(3);
  const fresh = stream.consume({ group: 'late', consumer: 'c' }, late.handle, () => undefined);
  await late.reached;
  t.same(late.seen, ['c', 'd', 'e'], 'the last maxLen entries');
  await fresh.stop();
  const resumed = collect(3);
  const again = stream.consume({ group: 'early', consumer: 'c' }, resumed.handle, () => undefined);
  await resumed.reached;
  t.same(resumed.seen, ['c', 'd', 'e'], 'b was trimmed before the group read it');
  await again.stop();
  t.throws(() => new MemoryStream(0), RangeError);
});

t.test("an entry one consumer failed is handed to the group's other consumer once idle", async (t) => {
  const stream = new MemoryStream<string>(100);
  const errors: string[] = [];
  let failed: () => void = () => undefined;
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const failing = stream.consume(
    { group: 'g', consumer: 'a', claimIdleMs: 20 },
    (value) => {
      throw new Error(`a refuses ${value}`);
    },
    (err) => {
      errors.push((err as Error).message);
      failed();
    },
  );
  stream.append(() => 'x');
  // Only the failing consumer exists until it has failed once: the entry is pending in the group.
  await bounded(firstFailure, 5000, 'the first failure');
  const other = collect(1);
  const succeeding = stream.consume({ group: 'g', consumer: 'b', claimIdleMs: 20 }, other.handle, () => undefined);
  await other.reached;
  t.same(other.seen, ['x'], 'the other consumer got it');
  t.ok(
    errors.every((message) => message === 'a refuses x'),
    'the failures were reported',
  );
  await Promise.all([failing.stop(), succeeding.stop()]);
});

t.test('stop() ends a waiting consumer at once, and nothing is handled after it', async (t) => {
  const stream = new MemoryStream<string>(10);
  const seen: string[] = [];
  const consumer = stream.consume(
    { group: 'g', consumer: 'c' },
    (value) => void seen.push(value),
    () => undefined,
  );
  await bounded(consumer.stop(), 1000, 'stop');
  stream.append(() => 'late');
  const next = collect(1);
  const another = stream.consume({ group: 'g', consumer: 'd' }, next.handle, () => undefined);
  await next.reached;
  t.same(seen, [], 'the stopped consumer took nothing');
  t.same(next.seen, ['late']);
  await another.stop();
});

t.test('a handler that always throws, with no idle time, does not starve the event loop', async (t) => {
  const stream = new MemoryStream<string>(10);
  let failures = 0;
  const consumer = stream.consume(
    { group: 'g', consumer: 'c', claimIdleMs: 0 },
    () => {
      throw new Error('never');
    },
    () => void failures++,
  );
  stream.append(() => 'poison');
  // A timer still fires while the entry is retried over and over.
  await bounded(new Promise((resolve) => setTimeout(resolve, 1)), 5000, 'a timer to fire');
  await bounded(consumer.stop(), 5000, 'stop');
  t.ok(failures >= 1, 'it was retried');
});

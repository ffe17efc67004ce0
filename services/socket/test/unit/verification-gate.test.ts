import t from 'tap';
import { createVerificationGate } from '../../src/auth/verification-gate.js';
import { eventually } from '@gamesocket/test-helpers/wait';

t.test('the handshake gate runs at most its limit at once, in arrival order', async (t) => {
  const gate = createVerificationGate(2);
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const runs = [0, 1, 2, 3].map((i) =>
    gate.run(async () => {
      order.push(i);
      await new Promise<void>((resolve) => releases.push(resolve));
      return i;
    }),
  );
  await eventually(() => order.length === 2);
  t.same(order, [0, 1], 'two run');
  t.equal(gate.waiting, 2, 'two wait');
  t.ok(gate.saturated());
  releases[0]?.();
  await eventually(() => order.length === 3);
  t.same(order, [0, 1, 2], 'the first waiting one takes the freed slot');
  for (let i = 1; i < 4; i++) {
    await eventually(() => releases.length > i);
    releases[i]?.();
  }
  t.same(await Promise.all(runs), [0, 1, 2, 3]);
  t.equal(gate.active, 0);
  t.notOk(gate.saturated());
});

t.test('the wait queue is bounded: past it a verification is refused at once with UNAVAILABLE', async (t) => {
  const gate = createVerificationGate(1, 2);
  const releases: (() => void)[] = [];
  const started: number[] = [];
  const run = (i: number): Promise<number> =>
    gate.run(async () => {
      started.push(i);
      await new Promise<void>((resolve) => releases.push(resolve));
      return i;
    });
  const admitted = [run(0), run(1), run(2)];
  await eventually(() => started.length === 1);
  t.equal(gate.waiting, 2, 'one runs, two wait');
  let ran = false;
  await t.rejects(
    gate.run(async () => {
      ran = true;
    }),
    { name: 'ServiceError', code: 'UNAVAILABLE', reason: 'verification queue full' },
    'a fourth is refused at once',
  );
  t.notOk(ran, 'and never runs');
  t.equal(gate.waiting, 2, 'the queue is unchanged');
  for (let i = 0; i < 3; i++) {
    await eventually(() => releases.length > i);
    releases[i]?.();
  }
  t.same(await Promise.all(admitted), [0, 1, 2], 'the admitted ones all run');
  t.equal(await gate.run(async () => 'again'), 'again', 'a drained gate takes new ones');
});

t.test('by default as many may wait as run', async (t) => {
  const gate = createVerificationGate(2);
  const releases: (() => void)[] = [];
  const held = Array.from({ length: 4 }, () => gate.run(() => new Promise<void>((resolve) => releases.push(resolve))));
  await eventually(() => releases.length === 2 && gate.waiting === 2);
  await t.rejects(
    gate.run(async () => undefined),
    { code: 'UNAVAILABLE' },
    'a fifth is refused',
  );
  for (let i = 0; i < 4; i++) {
    await eventually(() => releases.length > i);
    releases[i]?.();
  }
  await Promise.all(held);
});

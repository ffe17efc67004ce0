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

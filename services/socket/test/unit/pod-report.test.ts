import t from 'tap';
import { createMetrics } from '../../src/core/metrics.js';
import { podReporter } from '../../src/presence/pod-report.js';

t.test('a heartbeat report carries sockets, drain state and event rates since the previous report', async (t) => {
  const metrics = createMetrics('report-test', {
    adapterMode: 'memory',
    redisUp: () => true,
    draining: () => false,
    presence: async () => ({ online: 0, connections: 0 }),
    verifications: () => ({ active: 0, waiting: 0 }),
  });
  let now = 1_000_000;
  let draining = false;
  const report = podReporter({ metrics, connections: () => 7, draining: () => draining, now: () => now });
  metrics.eventsReceived.inc({ domain: 'room' }, 50);
  t.same(
    await report(),
    { connections: 7, eventsInPerSec: 0, eventsOutPerSec: 0, draining: false },
    'the first report has no previous one to rate against',
  );
  metrics.eventsReceived.inc({ domain: 'room' }, 30);
  metrics.eventsReceived.inc({ domain: 'lobby' }, 10);
  metrics.sentSlot('room').count += 100;
  now += 4000;
  draining = true;
  t.same(await report(), { connections: 7, eventsInPerSec: 10, eventsOutPerSec: 25, draining: true });
  now += 2000;
  t.same(await report(), { connections: 7, eventsInPerSec: 0, eventsOutPerSec: 0, draining: true }, 'quiet since');
});

import t from 'tap';
import { createSentEventCounter } from '../../src/delivery/sent-events.js';
import type { SentSlot } from '../../src/core/metrics.js';

/** A counter over fresh slots, and a view of the counts by domain. */
function counter() {
  const slots = new Map<string, SentSlot>();
  const count = createSentEventCounter((domain) => {
    let slot = slots.get(domain);
    if (slot === undefined) slots.set(domain, (slot = { count: 0 }));
    return slot;
  });
  const counts = (): Record<string, number> =>
    Object.fromEntries([...slots].filter(([, slot]) => slot.count > 0).map(([domain, slot]) => [domain, slot.count]));
  return { count, counts };
}

t.test('counts encoded EVENT packets by catalogue domain, once per write', async (t) => {
  const { count, counts } = counter();
  const broadcast = ['2["lobby:stats",{"online":1,"connections":1,"nodes":1}]'];
  for (let socket = 0; socket < 3; socket++) count(broadcast); // one broadcast reaching 3 sockets
  count(['2["player:online",{"userId":"u1"}]']);
  count(['2["player:online",{"userId":"u2"}]']);
  t.same(counts(), { lobby: 3, player: 2 });
});

t.test('the packet forms Socket.IO writes: ack id, binary attachments, namespace', async (t) => {
  const { count, counts } = counter();
  count(['212["match:ended",{}]']); // an event the server sends with an ack id
  count(['51-["match:state_update",{"_placeholder":true,"num":0}]', Buffer.from([1, 2])]);
  count(['51-/admin,7["system:error",{}]']);
  count('2["room:player_joined",{}]'); // a single packet, not an array
  t.same(counts(), { match: 2, system: 1, room: 1 });
});

t.test('names outside the catalogue count as unknown; acks, CONNECT and garbage are not events', async (t) => {
  const { count, counts } = counter();
  count(['2["custom:thing",{}]']);
  count(['2["weird \\" name",{}]']);
  count(['3[{"ok":true}]']); // ack
  count(['313[{"ok":true}]']); // ack with id
  count(['0{"sid":"abc"}']); // CONNECT
  count(['1']); // DISCONNECT
  count([]);
  count([Buffer.from('2["lobby:stats"]')]);
  count(undefined);
  count(42);
  t.same(counts(), { unknown: 2 }, 'the custom event and the one with an escaped name');
});

import t from 'tap';
import type { Packet } from 'socket.io-parser';
import {
  createProtocolGuard,
  MAX_CONNECTS_PER_CONNECTION,
  ProtocolViolation,
  type ProtocolRefusal,
} from '../../src/events/packet-guard.js';

/** A guard's decoder with Socket.IO's one `decoded` listener, and what reached it. */
function decoder() {
  const refusals: ProtocolRefusal[] = [];
  const { Decoder } = createProtocolGuard((kind) => refusals.push(kind));
  const decoded: Packet[] = [];
  const listener = (packet: Packet): void => {
    decoded.push(packet);
  };
  const instance = new Decoder();
  instance.on('decoded', listener);
  return { instance, listener, decoded, refusals };
}

t.test('packets that pass the checks reach the listener, text and binary', async (t) => {
  const { instance, decoded, refusals } = decoder();
  instance.add('2["lobby:join"]');
  instance.add('21["system:ping"]');
  instance.add('51-["match:move",{"_placeholder":true,"num":0}]');
  t.equal(decoded.length, 2, 'the binary packet waits for its attachment');
  instance.add(Buffer.from([1, 2, 3]));
  t.same(
    decoded.map((packet) => [packet.type, packet.id, (packet.data as unknown[])[0]]),
    [
      [2, undefined, 'lobby:join'],
      [2, 1, 'system:ping'],
      [2, undefined, 'match:move'],
    ],
  );
  t.same((decoded[2]?.data as unknown[])[1], Buffer.from([1, 2, 3]), 'the attachment is put back');
  t.same(refusals, []);
});

t.test('a refused packet throws and never reaches the listener', async (t) => {
  const { instance, decoded, refusals } = decoder();
  t.throws(() => instance.add('299999999999999999999["system:ping"]'), ProtocolViolation, 'unsafe ack id');
  t.throws(() => instance.add('2' + '['.repeat(40) + ']'.repeat(40)), ProtocolViolation, 'too deep');
  t.throws(() => instance.add('9 not a packet'), 'malformed');
  t.same(decoded, []);
  t.same(refusals, ['ack_id', 'nesting', 'malformed']);
});

t.test('CONNECT packets past the per-connection limit are refused', async (t) => {
  const { instance, decoded, refusals } = decoder();
  for (let i = 0; i < MAX_CONNECTS_PER_CONNECTION; i++) instance.add('0');
  t.throws(() => instance.add('0'), ProtocolViolation);
  t.equal(decoded.length, MAX_CONNECTS_PER_CONNECTION);
  t.same(refusals, ['connect_repeat']);
});

t.test('a refusal on the binary path: the packet never reaches the listener', async (t) => {
  const { instance, decoded, refusals } = decoder();
  instance.add('51-99999999999999999999["a:b",{"_placeholder":true,"num":0}]');
  t.throws(() => instance.add(Buffer.from([1])), ProtocolViolation, 'refused once its attachment came');
  t.same(decoded, []);
  t.same(refusals, ['ack_id']);
  instance.add('2["a:c"]');
  t.equal(decoded.length, 1, 'the decoder goes on with the next packet');
});

t.test('removing the listener (Socket.IO closing the connection) stops delivery', async (t) => {
  const { instance, listener, decoded } = decoder();
  instance.add('2["a:b"]');
  instance.removeListener('decoded', listener);
  instance.add('2["a:c"]');
  t.equal(decoded.length, 1);
  // A listener added again gets the checked packets only.
  const other: Packet[] = [];
  instance.on('decoded', (packet: Packet) => other.push(packet));
  instance.add('2["a:d"]');
  t.throws(() => instance.add('299999999999999999999["a:e"]'), ProtocolViolation);
  t.equal(other.length, 1);
  t.equal(decoded.length, 1);
});

t.test("every name of component-emitter's removal works, and the decoder takes one listener", async (t) => {
  for (const remove of ['off', 'removeListener', 'removeEventListener'] as const) {
    const { instance, listener, decoded } = decoder();
    // `removeEventListener` is component-emitter's too, untyped.
    (instance as unknown as Record<typeof remove, (event: string, fn: typeof listener) => void>)[remove](
      'decoded',
      listener,
    );
    instance.add('2["a:b"]');
    t.equal(decoded.length, 0, `${remove}('decoded', listener)`);
  }
  for (const args of [[], ['decoded']] as const) {
    const { instance, decoded } = decoder();
    instance.removeAllListeners(...args);
    instance.add('2["a:b"]');
    t.equal(decoded.length, 0, `removeAllListeners(${args.join()})`);
    const again: Packet[] = [];
    instance.on('decoded', (packet: Packet) => again.push(packet));
    t.throws(() => instance.add('299999999999999999999["a:e"]'), ProtocolViolation, 'the next listener is checked');
    t.equal(again.length, 0);
  }
  const { instance } = decoder();
  t.throws(() => instance.on('decoded', () => undefined), /one decoded listener/, 'a second listener is refused');
  instance.removeAllListeners();
  const once: Packet[] = [];
  instance.once('decoded', (packet: Packet) => once.push(packet));
  instance.add('2["a:b"]');
  instance.add('2["a:c"]');
  t.equal(once.length, 1, 'once delivers one packet');
  instance.on('decoded', (packet: Packet) => once.push(packet));
  instance.add('2["a:d"]');
  t.equal(once.length, 2, 'and leaves room for the next listener');
  instance.removeAllListeners();
  const unused = (packet: Packet): void => void once.push(packet);
  instance.once('decoded', unused);
  instance.off('decoded', unused);
  instance.add('2["a:e"]');
  t.equal(once.length, 2, 'a once listener is removed by the function it was given');
});

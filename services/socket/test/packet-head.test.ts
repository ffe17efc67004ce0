import t from 'tap';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { isEventHead, readPacketHead, readWriteHead, type PacketHead } from '../src/delivery/packet-head.js';

/** What Socket.IO hands a connection for `packet`: the encoded head, then any attachments. */
const encode = (packet: Packet): unknown[] => new Encoder().encode(packet);

t.test('reads every head form socket.io-parser writes', async (t) => {
  const cases: [string, Packet, Partial<PacketHead>][] = [
    [
      'event',
      { type: PacketType.EVENT, nsp: '/', data: ['lobby:stats', {}] },
      { type: 2, nsp: '/', event: 'lobby:stats' },
    ],
    [
      'event with an ack id',
      { type: PacketType.EVENT, nsp: '/', id: 12, data: ['match:ended', {}] },
      { type: 2, ackId: 12, event: 'match:ended' },
    ],
    [
      'event in a namespace with an ack id',
      { type: PacketType.EVENT, nsp: '/admin', id: 7, data: ['system:error', {}] },
      { type: 2, nsp: '/admin', ackId: 7, event: 'system:error' },
    ],
    [
      'binary event',
      { type: PacketType.EVENT, nsp: '/', data: ['match:state_update', Buffer.from([1, 2])] },
      { type: 5, attachments: 1, nsp: '/', ackId: undefined, event: 'match:state_update' },
    ],
    [
      'binary event in a namespace, two attachments, ack id',
      { type: PacketType.EVENT, nsp: '/x', id: 3, data: ['a:b', Buffer.from([1]), Buffer.from([2])] },
      { type: 5, attachments: 2, nsp: '/x', ackId: 3, event: 'a:b' },
    ],
    ['ack', { type: PacketType.ACK, nsp: '/', id: 13, data: [{ ok: true }] }, { type: 3, ackId: 13, event: undefined }],
    [
      'binary ack',
      { type: PacketType.ACK, nsp: '/', id: 4, data: [Buffer.from([1])] },
      { type: 6, attachments: 1, ackId: 4, event: undefined },
    ],
    ['connect', { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc' } }, { type: 0, event: undefined }],
    ['disconnect', { type: PacketType.DISCONNECT, nsp: '/' }, { type: 1, ackId: undefined, event: undefined }],
  ];
  for (const [what, packet, expected] of cases) {
    const written = encode(packet);
    t.match(readWriteHead(written), expected, what);
    t.same(readPacketHead(written[0]), readWriteHead(written), `${what}: the write and its first packet agree`);
  }
});

t.test('a single packet (not an array) is read too', async (t) => {
  t.match(readWriteHead('2["room:player_joined",{}]'), { type: 2, event: 'room:player_joined' });
});

t.test('a name with escapes is not read, but the packet is still an event', async (t) => {
  const head = readWriteHead(encode({ type: PacketType.EVENT, nsp: '/', data: ['weird " name', {}] }));
  t.equal(head?.event, undefined);
  t.ok(isEventHead(head));
});

t.test('attachments, garbage and non-strings have no head', async (t) => {
  for (const written of [[Buffer.from('2["lobby:stats"]')], [], 'x', '9["a"]', undefined, 42, {}]) {
    t.equal(readWriteHead(written), undefined, JSON.stringify(written));
  }
  t.notOk(isEventHead(readWriteHead(['3[{"ok":true}]'])), 'an ack is not an event');
});

import t from 'tap';
import {
  INTENT_FIELDS,
  IntentDecodeError,
  decodeIntentEntry,
  encodeIntentFields,
  type IntentRecord,
} from '../../src/index.js';

const sender = { userId: 'u1', username: 'alice', socketId: 'sock-1', nodeId: 'pod-a' };
const chat: IntentRecord<'room:chat_message'> = {
  event: 'room:chat_message',
  payload: { roomId: '42', text: 'gg "quoted", comma, ünïcode' },
  sender,
  timestamp: 1795920258738,
};

/** The entry as XADD writes it: the wire format backends in any language read. */
const CHAT_FIELDS = [
  'event',
  'room:chat_message',
  'payload',
  '{"roomId":"42","text":"gg \\"quoted\\", comma, ünïcode"}',
  'userId',
  'u1',
  'username',
  'alice',
  'socketId',
  'sock-1',
  'nodeId',
  'pod-a',
  'timestamp',
  '1795920258738',
];

t.test('an intent encodes to the wire fields, in INTENT_FIELDS order', async (t) => {
  const fields = encodeIntentFields(chat);
  t.same(fields, CHAT_FIELDS);
  t.same(
    fields.filter((_, i) => i % 2 === 0),
    [...INTENT_FIELDS],
  );
});

t.test('decoding the encoded fields gives the intent back, with its entry id', async (t) => {
  const records: IntentRecord[] = [
    chat,
    { event: 'room:create', payload: { name: 'r', maxPlayers: 4 }, sender, timestamp: 0 },
    { event: 'match:end', payload: { matchId: 'm7', result: { winner: 'u1' } }, sender, timestamp: 1 },
  ];
  for (const record of records) {
    t.same(decodeIntentEntry('1-0', encodeIntentFields(record)), { id: '1-0', ...record }, record.event);
  }
});

t.test('fields it does not know and their order do not matter', async (t) => {
  const reordered = [...CHAT_FIELDS.slice(8), 'traceId', 'x', ...CHAT_FIELDS.slice(0, 8)];
  t.same(decodeIntentEntry('2-0', reordered), { id: '2-0', ...chat });
});

t.test('a malformed entry is rejected with an IntentDecodeError that names the entry and the fault', async (t) => {
  const withField = (name: string, value: string): string[] => {
    const fields = [...CHAT_FIELDS];
    fields[fields.indexOf(name) + 1] = value;
    return fields;
  };
  const without = (name: string): string[] => {
    const fields = [...CHAT_FIELDS];
    fields.splice(fields.indexOf(name), 2);
    return fields;
  };
  const cases: [string, string[], RegExp][] = [
    ['an odd field list', CHAT_FIELDS.slice(0, -1), /odd number of field values/],
    ['an unknown event', withField('event', 'room:join'), /not an intent event: "room:join"/],
    ['a payload that is not JSON', withField('payload', '{roomId'), /payload is not JSON/],
    ['an empty timestamp', withField('timestamp', ''), /timestamp is not epoch ms: ""/],
    ['a negative timestamp', withField('timestamp', '-1'), /timestamp is not epoch ms: "-1"/],
    ['a timestamp with a unit', withField('timestamp', '17ms'), /timestamp is not epoch ms: "17ms"/],
    ...INTENT_FIELDS.map((name): [string, string[], RegExp] => [
      `no ${name}`,
      without(name),
      new RegExp(`missing field "${name}"`),
    ]),
  ];
  for (const [what, fields, reason] of cases) {
    t.throws(
      () => decodeIntentEntry('9-1', fields),
      { name: 'IntentDecodeError', entryId: '9-1', message: /^malformed intent entry 9-1: / },
      what,
    );
    t.throws(() => decodeIntentEntry('9-1', fields), reason, `${what}: the message says why`);
  }
  const err = (() => {
    try {
      decodeIntentEntry('9-2', []);
    } catch (caught) {
      return caught;
    }
  })();
  t.ok(err instanceof IntentDecodeError, 'an IntentDecodeError instance');
});

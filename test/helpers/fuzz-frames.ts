import fc from 'fast-check';
import { CLIENT_EVENT_SCHEMAS } from '@gamesocket/protocol';

// fast-check generators of hostile Engine.IO v4 / Socket.IO v5 traffic, written as raw text so that
// keys like `__proto__` reach the wire literally (an object built in JS would turn them into prototypes).

/** One fuzz case: a connection opened one way, a CONNECT (or not), then raw frames. */
export interface FuzzCase {
  transport: 'websocket' | 'polling';
  /** Which Cookie header the handshake carries. */
  cookie: 'none' | 'token' | 'garbage';
  /** Whose token, when `cookie` is `token` (an index into the fuzzing users). */
  user: number;
  /** Origin header: the allowed one, a foreign one, or none. */
  origin: 'allowed' | 'foreign' | 'none';
  /** Extra query string for the handshake (usually empty). */
  query: string;
  /** The first Engine.IO message (`40...`), or null to send none. */
  connect: string | null;
  /** Frames after it: text Engine.IO packets, or binary frames (base64 `b` packets on polling). */
  frames: (string | Uint8Array)[];
}

const CLIENT_EVENTS = Object.keys(CLIENT_EVENT_SCHEMAS);
/** Signed-in identities the cases spread over (each under the per-user connection cap most of the time). */
export const FUZZ_USERS = 8;
const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** A JSON string literal of short random text, or of a poisoned key. */
const stringText = fc.oneof(
  fc.string({ maxLength: 24 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(...POISON_KEYS, 'away', 'lobby', 'r1', '').map((s) => JSON.stringify(s)),
);

/** JSON scalars as text, edge cases included. */
const scalarText = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e309', '-1', '9007199254740993', '1.5', '[]', '{}'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  stringText,
);

const keyText = fc.oneof(
  { arbitrary: fc.constantFrom(...POISON_KEYS), weight: 2 },
  {
    arbitrary: fc.constantFrom('status', 'roomId', 'ticket', 'name', 'settings', 'userIds', 'text', 'pid', 'offset'),
    weight: 3,
  },
  { arbitrary: fc.string({ maxLength: 10 }), weight: 2 },
);

/** Valid JSON text of a small random value, poisoned keys included, a few levels deep. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    scalarText,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(keyText, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** Deeply nested JSON (arrays or objects), sometimes past the server's nesting limit. */
export const deepText = fc
  .tuple(fc.integer({ min: 10, max: 4000 }), fc.boolean())
  .map(([depth, objects]) =>
    objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`,
  );

/** Payloads near what the schemas accept, to get past the first checks. */
const plausiblePayload = fc.constantFrom(
  '{}',
  '{"status":"away"}',
  '{"status":"Away Now"}',
  '{"roomId":"r1","ticket":"x.y.z"}',
  '{"matchId":"m1"}',
  '{"userIds":["u1","u2"]}',
  '{"name":"room","settings":{"mode":"ranked","constructor":"x"}}',
  '{"roomId":"r1","text":"hello"}',
  '{"roomId":"r1","ready":true}',
  '{"status":"away","__proto__":{"polluted":1}}',
);

const eventNameText = fc.oneof(
  { arbitrary: fc.constantFrom(...CLIENT_EVENTS).map((e) => JSON.stringify(e)), weight: 6 },
  {
    arbitrary: fc
      .constantFrom('error', 'connect', 'disconnect', 'newListener', 'player:online', 'system:connected', 'nope:nope')
      .map((e) => JSON.stringify(e)),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(...POISON_KEYS).map((e) => JSON.stringify(e)), weight: 1 },
  { arbitrary: stringText, weight: 1 },
  { arbitrary: scalarText, weight: 1 },
);

/** The `[event, ...args]` array of an EVENT packet. */
const eventArrayText = fc
  .tuple(
    eventNameText,
    fc.array(fc.oneof({ arbitrary: plausiblePayload, weight: 3 }, { arbitrary: jsonText, weight: 2 }), {
      maxLength: 3,
    }),
  )
  .map(([name, args]) => `[${[name, ...args].join(',')}]`);

/** A placeholder object for a binary attachment (`num` sometimes out of range or the wrong type). */
const placeholderText = fc
  .oneof(fc.integer({ min: -2, max: 12 }).map(String), fc.constantFrom('"0"', 'null', '1e400'))
  .map((num) => `{"_placeholder":true,"num":${num}}`);

const ackIdText = fc.oneof(
  { arbitrary: fc.nat(100_000).map(String), weight: 6 },
  { arbitrary: fc.constantFrom('9'.repeat(30), '9007199254740993', '9007199254740991', '007', ' 1'), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom('0', '1', '9'), minLength: 17, maxLength: 400 }), weight: 1 },
);

/** A Socket.IO packet (the text after the Engine.IO `4`), from valid to broken. */
export const socketIoPacket: fc.Arbitrary<string> = fc
  .record({
    type: fc.oneof(
      { arbitrary: fc.constant('2'), weight: 20 },
      { arbitrary: fc.constantFrom('0', '1', '3', '4', '5', '6'), weight: 4 },
      { arbitrary: fc.constantFrom('7', '9', 'x', '', ' ', '-'), weight: 1 },
    ),
    attachments: fc.option(
      fc.oneof(fc.nat(12).map(String), fc.constantFrom('-1', '99999999999', 'x', '', '1.5')).map((n) => `${n}-`),
      { freq: 12, nil: '' },
    ),
    nsp: fc.option(
      fc
        .oneof(
          fc.constantFrom('/admin', '/', '/x', '//', '/..'),
          fc.string({ maxLength: 12 }).map((s) => `/${s}`),
        )
        .map((n) => `${n},`),
      { freq: 12, nil: '' },
    ),
    id: fc.option(ackIdText, { freq: 2, nil: '' }),
    body: fc.oneof(
      { arbitrary: eventArrayText, weight: 10 },
      {
        arbitrary: fc.tuple(eventNameText, placeholderText).map(([n, p]) => `[${n},${p}]`),
        weight: 2,
      },
      { arbitrary: jsonText, weight: 3 },
      { arbitrary: deepText.map((d) => `["system:ping",${d}]`), weight: 1 },
      { arbitrary: fc.constant(''), weight: 1 },
      { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    ),
  })
  .map(({ type, attachments, nsp, id, body }) => `${type}${attachments}${nsp}${id}${body}`);

/** Cuts, doubles or sprinkles characters into a text, sometimes. */
function mutate(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: text, weight: 16 },
    {
      arbitrary: fc.tuple(text, fc.nat()).map(([s, n]) => s.slice(0, s.length === 0 ? 0 : n % s.length)),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(text, fc.nat(), fc.string({ maxLength: 3, unit: 'binary' })).map(([s, n, insert]) => {
        const at = s.length === 0 ? 0 : n % s.length;
        return s.slice(0, at) + insert + s.slice(at);
      }),
      weight: 1,
    },
  );
}

/** Big frames around the payload limit (`limit` bytes), some over it. */
const bigFrame = (limit: number): fc.Arbitrary<string> =>
  fc
    .integer({ min: Math.floor(limit * 0.8), max: limit + 2048 })
    .map((n) => `42["room:chat_message",{"roomId":"r1","text":"${'a'.repeat(n)}"}]`);

/** One Engine.IO frame: mostly `4` + a Socket.IO packet; other packet types, garbage and binary too. */
export const engineFrame = (limit: number): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(
    { arbitrary: mutate(socketIoPacket.map((p) => `4${p}`)), weight: 40 },
    { arbitrary: fc.constantFrom('3', '2', '1', '5', '6', '0', '8', '', 'b', '3probe', '5probe'), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 2 },
    { arbitrary: bigFrame(limit), weight: 1 },
  );

/** A well-formed event with a plausible payload and maybe an ack id: these reach the handlers. */
export const cleanEventFrame = fc
  .tuple(
    fc.constantFrom(...CLIENT_EVENTS),
    fc.option(fc.nat(1_000_000).map(String), { freq: 2, nil: '' }),
    fc.oneof({ arbitrary: plausiblePayload, weight: 4 }, { arbitrary: jsonText, weight: 1 }),
  )
  .map(([event, id, payload]) => `42${id}[${JSON.stringify(event)},${payload}]`);

/** The first message: a CONNECT to `/` (with a random auth object) or elsewhere, or a non-CONNECT. */
const connectMessage = fc.oneof(
  { arbitrary: fc.constant('40'), weight: 8 },
  { arbitrary: jsonText.map((auth) => `40${auth}`), weight: 3 },
  {
    arbitrary: fc
      .tuple(stringText, stringText)
      .map(([pid, offset]) => `40{"pid":${pid},"offset":${offset},"__proto__":{"polluted":1}}`),
    weight: 1,
  },
  { arbitrary: fc.constantFrom('40/admin,', '40/admin,{}', '40/x,{"a":1}'), weight: 1 },
  { arbitrary: mutate(socketIoPacket.map((p) => `4${p}`)), weight: 1 },
);

/** A whole fuzz case for a service whose MAX_PAYLOAD_BYTES is `limit`. */
export const fuzzCase = (limit: number): fc.Arbitrary<FuzzCase> =>
  fc.record({
    transport: fc.constantFrom('websocket', 'websocket', 'polling'),
    cookie: fc.constantFrom('none', 'token', 'token', 'garbage'),
    user: fc.nat(FUZZ_USERS - 1),
    origin: fc.oneof(
      { arbitrary: fc.constant('allowed' as const), weight: 18 },
      { arbitrary: fc.constantFrom('foreign' as const, 'none' as const), weight: 1 },
    ),
    query: fc.oneof(
      { arbitrary: fc.constant(''), weight: 18 },
      {
        arbitrary: fc.constantFrom(
          '&EIO=3',
          '&sid=unknown',
          '&__proto__[polluted]=1',
          '&constructor[prototype][polluted]=1',
          '&b64=1',
          '&t=%ZZ',
        ),
        weight: 1,
      },
    ),
    connect: fc.option(connectMessage, { freq: 12, nil: null }),
    frames: fc.oneof(
      fc.array(engineFrame(limit), { minLength: 1, maxLength: 8 }),
      fc.array(cleanEventFrame, { minLength: 1, maxLength: 12 }),
    ),
  });

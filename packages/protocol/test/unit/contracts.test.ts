import t from 'tap';
import { Type } from '@sinclair/typebox';
import {
  CLIENT_EVENT_CONTRACTS,
  COMMON_EVENT_ERRORS,
  ERROR_CODES,
  NoPayloadSchema,
  errorsOf,
  toJsonSchema,
  type ClientEventName,
} from '@gamesocket/protocol';

t.test('toJsonSchema: plain JSON, with an argument that may be absent described instead of typed', async (t) => {
  const schema = toJsonSchema(NoPayloadSchema);
  t.strictSame(Object.getOwnPropertySymbols(schema), [], "TypeBox's symbol keys are dropped");
  t.strictSame(
    schema.anyOf,
    [{ type: 'null' }, { additionalProperties: false, type: 'object', properties: {} }],
    "no { type: 'undefined' } member",
  );
  t.match(schema.description, /May be omitted/, 'the absent argument is described');

  const nested = toJsonSchema(
    Type.Object({ a: Type.Union([Type.String(), Type.Undefined()], { description: 'a string' }) }),
  );
  t.strictSame(
    (nested.properties as Record<string, unknown>).a,
    {
      description: 'a string May be omitted: the event is then sent without an argument.',
      anyOf: [{ type: 'string' }],
    },
    'nested unions too, keeping their own description first',
  );
  t.strictSame(
    toJsonSchema(Type.Integer({ minimum: 1 })),
    { minimum: 1, type: 'integer' },
    'other schemas as they are',
  );
});

t.test("errorsOf: the common codes, AUTH_REQUIRED for signed-in events, then the event's own", async (t) => {
  t.strictSame(errorsOf('lobby:join'), [...COMMON_EVENT_ERRORS], 'lobby:join: the common codes only');
  t.ok(errorsOf('player:watch').includes(ERROR_CODES.AUTH_REQUIRED), 'player:watch: AUTH_REQUIRED');
  t.notOk(errorsOf('system:ping').includes(ERROR_CODES.AUTH_REQUIRED), 'system:ping: no AUTH_REQUIRED');
  t.ok(errorsOf('room:join').includes(ERROR_CODES.FORBIDDEN), 'room:join: FORBIDDEN (its ticket)');
  t.notOk(errorsOf('room:create').includes(ERROR_CODES.FORBIDDEN), 'room:create names no room: no FORBIDDEN');
  const order = Object.values(ERROR_CODES);
  for (const event of Object.keys(CLIENT_EVENT_CONTRACTS) as ClientEventName[]) {
    const codes = errorsOf(event);
    t.strictSame(
      codes,
      [...codes].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      `${event}: in catalogue order`,
    );
  }
});

// Not a tap test file (tap runs `*.test.ts`): `npm run typecheck` compiles it with the tests (root tsconfig.json).
// It fails when a server payload schema (server-schemas.ts) and its TypeScript type (payloads.ts, event-maps.ts)
// stop describing the same values, so the generated contracts and the typed event maps cannot drift.

import type {
  Ack,
  ClientEventName,
  ClientToServerEvents,
  ErrorBody,
  PingResponse,
  RoomMemberPresence,
  ServerEventName,
  ServerPayload,
  Static,
  TSchema,
  User,
  UserPresence,
} from '@gamesocket/protocol';
import type {
  CLIENT_ACK_DATA_SCHEMAS,
  ErrorBodySchema,
  PingResponseSchema,
  RoomMemberPresenceSchema,
  SERVER_EVENT_SCHEMAS,
  UserPresenceSchema,
  UserSchema,
} from '@gamesocket/protocol';

/** True when every A is a B and every B is an A (an open payload's index signature included). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The keys of T whose value is not `true`: the events whose schema and type differ. */
type Mismatched<T> = { [K in keyof T]: T[K] extends true ? never : K }[keyof T];

/** A schema's value type, with an index signature when the schema allows additional properties. */
type Described<S extends TSchema> = S extends { additionalProperties: true }
  ? Static<S> & Record<string, unknown>
  : Static<S>;

type ServerSchemas = typeof SERVER_EVENT_SCHEMAS;
type ServerChecks = { [E in ServerEventName]: Same<Described<ServerSchemas[E]>, ServerPayload<E>> };

/** `true` when no key is listed, else the listed keys (which then fail `satisfies`). */
type NoneOf<K> = [K] extends [never] ? true : K;

/** The ack data of one argument of a client event, when that argument is the ack callback. */
type AckOfArgument<P> = P extends (response: Ack<infer R>) => void ? R : never;
/** The data of a client event's successful ack, from the typed event map (`undefined`: none). */
type AckDataOf<E extends ClientEventName> = ClientToServerEvents[E] extends (...args: infer A) => void
  ? AckOfArgument<NonNullable<A[number]>>
  : never;
type AckSchemaData<S> = S extends TSchema ? Static<S> : undefined;
type AckSchemas = typeof CLIENT_ACK_DATA_SCHEMAS;
type AckChecks = { [E in Exclude<ClientEventName, 'system:ping'>]: Same<AckSchemaData<AckSchemas[E]>, AckDataOf<E>> };

/** Compile-time checks, never called; exported only so that they count as used. */
export const schemaChecks = {
  // Every server event has a schema, and no schema names an event the map lacks.
  serverEvents: true satisfies Same<keyof ServerSchemas, ServerEventName>,
  // Each server payload schema describes exactly its TypeScript payload.
  serverPayloads: true satisfies NoneOf<Mismatched<ServerChecks>>,
  // Every client event names its ack data, and the data matches the typed ack.
  ackEvents: true satisfies Same<keyof AckSchemas, ClientEventName>,
  ackData: true satisfies NoneOf<Mismatched<AckChecks>>,
  ping: true satisfies Same<Static<typeof PingResponseSchema>, PingResponse>,
  errorBody: true satisfies Same<Static<typeof ErrorBodySchema>, ErrorBody>,
  user: true satisfies Same<Static<typeof UserSchema>, User>,
  presence: true satisfies Same<Static<typeof UserPresenceSchema>, UserPresence>,
  member: true satisfies Same<Static<typeof RoomMemberPresenceSchema>, RoomMemberPresence>,
};

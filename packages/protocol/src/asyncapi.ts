import { ERROR_CODES, type ErrorCode } from './errors.js';
import {
  CLIENT_EVENT_CONTRACTS,
  SERVER_EVENT_CONTRACTS,
  errorsOf,
  type EventAudience,
  type ServerEventContract,
} from './event-contracts.js';
import type { ServerEventName } from './event-maps.js';
import { isVolatileEvent } from './events.js';
import { toJsonSchema, type JsonSchema } from './json-schema.js';
import { CLIENT_EVENT_SCHEMAS, type ClientEventName } from './schemas.js';
import {
  CLIENT_ACK_DATA_SCHEMAS,
  ErrorBodySchema,
  PingResponseSchema,
  SERVER_EVENT_SCHEMAS,
} from './server-schemas.js';

/** The version the document states: `@gamesocket/protocol`'s (the contracts test checks they agree). */
export const ASYNCAPI_DOCUMENT_VERSION = '0.1.0';

/** The cookie the handshake reads by default (the service's `AUTH_COOKIE`). */
const DEFAULT_AUTH_COOKIE = 'accessToken';

/** The channels: the socket itself, and each kind of room a server event goes to. */
const CHANNELS: Record<EventAudience, { key: string; address: string; description: string }> = {
  socket: {
    key: 'socket',
    address: '/',
    description:
      "The socket itself, on Socket.IO's default namespace (the only one served): every client event, its ack, " +
      'and the events the server sends to this socket alone.',
  },
  lobby: { key: 'lobby', address: 'lobby', description: 'The public lobby room; any socket joins it with lobby:join.' },
  'user:<userId>': {
    key: 'user',
    address: 'user:{userId}',
    description: 'Every socket of one signed-in user; joined automatically at the handshake.',
  },
  'room:<roomId>': {
    key: 'room',
    address: 'room:{roomId}',
    description: "Every socket of a room's members (room:join with a ticket, or a backend join).",
  },
  'match:<matchId>': {
    key: 'match',
    address: 'match:{matchId}',
    description: "Every socket of a match's members (match:join with a ticket, or a backend join).",
  },
  'watch:<userId>': {
    key: 'watch',
    address: 'watch:{userId}',
    description: "The sockets watching one user's presence (player:watch only).",
  },
};

const PARAMETERS: Record<string, string> = {
  userId: 'A user id: 1-128 of A-Z a-z 0-9 _ . @ -, starting with a letter or digit.',
  roomId: 'A room id, same alphabet as user ids.',
  matchId: 'A match id, same alphabet as user ids.',
};

const HANDSHAKE = `Socket.IO 4 (Engine.IO protocol 4) at path /socket.io/, websocket or long-polling; only the default
namespace is served. Every message payload below is the event's one argument; an ack is the one argument of the
Socket.IO acknowledgement.

**Handshake.** The access token (a JWT) is read from the \`${DEFAULT_AUTH_COOKIE}\` cookie (the \`AUTH_COOKIE\`
setting). No token, an expired one or an invalid one still connects, as anonymous: protected events then answer
AUTH_REQUIRED. A refused handshake gets Socket.IO's connect_error with \`data: { code, message }\` (see
ConnectErrorData); a refusal before the handshake (draining pod, rate, Origin, address cap) is an HTTP error of
Engine.IO. The first event on every new socket is **system:connected** (on a recovered socket the missed events
come first), listing the memberships the socket is already in.

**Acks.** Every client event may carry an ack: \`{ ok: true, data? }\` or \`{ ok: false, error: { code, message } }\`
(system:ping answers \`{ pong: true, timestamp }\` outside the envelope, but refusals inside it). Without an ack a
refusal is sent as system:error { code, message, event }. Each receive operation lists the codes it can answer in
\`x-error-codes\`.

**Rooms.** A server event goes to the socket alone or to a room; each send operation names its channel (room).
Backend services may publish any event their API allows to lobby, user:<id>, room:<id> or match:<id>; the channels
below are where the service sends each event and where backends send it by convention.`;

const ref = (path: string): { $ref: string } => ({ $ref: path });
const messageKey = (side: 'client' | 'ack' | 'server', event: string): string => `${side}.${event.replace(':', '.')}`;

/** The `{ ok: false, error }` envelope answering one of `codes`. */
function errorEnvelope(codes: readonly ErrorCode[]): JsonSchema {
  return {
    type: 'object',
    required: ['ok', 'error'],
    properties: {
      ok: { const: false },
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: [...codes] }, message: { type: 'string' } },
      },
    },
  };
}

/** The ack of a client event: its success shape, or the error envelope with the codes it can answer. */
function ackPayload(event: ClientEventName): JsonSchema {
  const data = CLIENT_ACK_DATA_SCHEMAS[event];
  const success: JsonSchema =
    event === 'system:ping'
      ? toJsonSchema(PingResponseSchema)
      : {
          type: 'object',
          required: data === undefined ? ['ok'] : ['ok', 'data'],
          properties: data === undefined ? { ok: { const: true } } : { ok: { const: true }, data: toJsonSchema(data) },
        };
  return { anyOf: [success, errorEnvelope(errorsOf(event))] };
}

/** Builds the `components.messages`, the channels' message maps and the operations. */
function eventsAndOperations(): {
  messages: Record<string, JsonSchema>;
  channelMessages: Record<string, Record<string, { $ref: string }>>;
  operations: Record<string, JsonSchema>;
} {
  const messages: Record<string, JsonSchema> = {};
  const channelMessages: Record<string, Record<string, { $ref: string }>> = {};
  const operations: Record<string, JsonSchema> = {};
  const onChannel = (channel: string, key: string): { $ref: string } => {
    (channelMessages[channel] ??= {})[key] = ref(`#/components/messages/${key}`);
    return ref(`#/channels/${channel}/messages/${key}`);
  };

  for (const event of Object.keys(CLIENT_EVENT_SCHEMAS) as ClientEventName[]) {
    const contract = CLIENT_EVENT_CONTRACTS[event];
    const errors = errorsOf(event);
    const request = messageKey('client', event);
    const ack = messageKey('ack', event);
    messages[request] = {
      name: event,
      title: event,
      summary: contract.summary,
      payload: toJsonSchema(CLIENT_EVENT_SCHEMAS[event]),
    };
    messages[ack] = { name: event, title: `${event} ack`, payload: ackPayload(event) };
    operations[`receive.${event.replace(':', '.')}`] = {
      action: 'receive',
      channel: ref('#/channels/socket'),
      title: event,
      summary: contract.summary,
      description: `${contract.auth ? 'Needs a signed-in user.' : 'Any socket, anonymous too.'} Error codes: ${errors.join(', ')}.`,
      messages: [onChannel('socket', request)],
      reply: { channel: ref('#/channels/socket'), messages: [onChannel('socket', ack)] },
      'x-auth-required': contract.auth,
      'x-error-codes': errors,
    };
  }

  for (const event of Object.keys(SERVER_EVENT_SCHEMAS) as ServerEventName[]) {
    const contract: ServerEventContract = SERVER_EVENT_CONTRACTS[event];
    const key = messageKey('server', event);
    messages[key] = {
      name: event,
      title: event,
      summary: contract.summary,
      payload: toJsonSchema(SERVER_EVENT_SCHEMAS[event]),
      'x-sender': contract.from,
      ...(isVolatileEvent(event) ? { 'x-volatile': true } : {}),
    };
    for (const audience of contract.to) {
      const channel = CHANNELS[audience].key;
      operations[`send.${event.replace(':', '.')}.to.${channel}`] = {
        action: 'send',
        channel: ref(`#/channels/${channel}`),
        title: event,
        summary: `${contract.summary}, to ${audience === 'socket' ? 'the socket' : audience}`,
        messages: [onChannel(channel, key)],
      };
    }
  }
  return { messages, channelMessages, operations };
}

/** The parameters of a channel address (`room:{roomId}` -> `roomId`). */
function parametersOf(address: string): Record<string, { description: string }> | undefined {
  const names = [...address.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, { description: PARAMETERS[name] ?? name }]));
}

/**
 * The AsyncAPI 3 document of the Socket.IO surface, generated from the catalogue's schemas: every client
 * event (a receive operation with its payload, its ack as the reply, the codes it can answer) and every
 * server event (a send operation per room it goes to), the handshake and its cookie. `npm run
 * docs:contracts` writes it to docs/asyncapi.json.
 */
export function asyncApiDocument(): JsonSchema {
  const { messages, channelMessages, operations } = eventsAndOperations();
  const channels: Record<string, JsonSchema> = {};
  for (const { key, address, description } of Object.values(CHANNELS)) {
    const parameters = parametersOf(address);
    channels[key] = {
      address,
      description,
      messages: channelMessages[key] ?? {},
      ...(parameters === undefined ? {} : { parameters }),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: { title: 'gamesocket Socket.IO events', version: ASYNCAPI_DOCUMENT_VERSION, description: HANDSHAKE },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'The socket service (Socket.IO 4); long-polling over http(s) at the same path.',
        security: [ref('#/components/securitySchemes/accessTokenCookie')],
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        ErrorBody: toJsonSchema(ErrorBodySchema),
        ConnectErrorData: {
          description: "The data of Socket.IO's connect_error when the server refused the handshake.",
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: {
              type: 'string',
              enum: [ERROR_CODES.INVALID_PAYLOAD, ERROR_CODES.CONNECTION_LIMIT, ERROR_CODES.UNAVAILABLE],
            },
            message: { type: 'string' },
          },
        },
      },
      securitySchemes: {
        accessTokenCookie: {
          type: 'httpApiKey',
          in: 'cookie',
          name: DEFAULT_AUTH_COOKIE,
          description:
            'The access token (JWT) in the handshake cookie (the AUTH_COOKIE setting); without a valid one the ' +
            'socket connects as anonymous.',
        },
      },
    },
  };
}

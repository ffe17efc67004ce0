import { isIntentEvent, type AnyIntentEntry, type IntentEntry, type IntentEvent } from './intents.js';
import type { ClientPayload } from './schemas.js';
import { epochMsField, streamFields } from './stream-fields.js';

/**
 * The fields of an intent stream entry, in the order the socket service writes them: `event`, `payload` (JSON),
 * the stamped sender (`userId`, `username`, `socketId`, `nodeId`) and `timestamp` (epoch ms, decimal).
 */
export const INTENT_FIELDS = ['event', 'payload', 'userId', 'username', 'socketId', 'nodeId', 'timestamp'] as const;

/** An accepted intent before it has a stream entry id: what the socket service appends. */
export type IntentRecord<E extends IntentEvent = IntentEvent> = Omit<IntentEntry<E>, 'id'>;

/** Thrown by `decodeIntentEntry` for an entry that is not a well-formed intent; names the entry and the fault. */
export class IntentDecodeError extends Error {
  constructor(
    /** The stream entry id. */
    readonly entryId: string,
    reason: string,
  ) {
    super(`malformed intent entry ${entryId}: ${reason}`);
    this.name = 'IntentDecodeError';
  }
}

/**
 * Encodes an intent as the flat `[field, value, ...]` list XADD takes (the order of `INTENT_FIELDS`). The payload
 * is JSON, every other value a string.
 */
export function encodeIntentFields<E extends IntentEvent>(record: IntentRecord<E>): string[] {
  const { event, payload, sender, timestamp } = record;
  return [
    'event',
    event,
    'payload',
    JSON.stringify(payload),
    'userId',
    sender.userId,
    'username',
    sender.username,
    'socketId',
    sender.socketId,
    'nodeId',
    sender.nodeId,
    'timestamp',
    String(timestamp),
  ];
}

/**
 * Decodes a stream entry (its id and the flat field list XREADGROUP returns) into an intent. Throws
 * `IntentDecodeError` when a field of `INTENT_FIELDS` is missing, the list has an odd length, the event is not an
 * intent, the payload is not JSON or the timestamp is not a non-negative integer. Fields it does not know are
 * ignored. The payload is not validated against its schema again: the socket service did so before appending.
 */
export function decodeIntentEntry(id: string, fields: readonly string[]): AnyIntentEntry {
  const fail = (reason: string): never => {
    throw new IntentDecodeError(id, reason);
  };
  const field = streamFields(fields, fail);
  const event = field('event');
  if (!isIntentEvent(event)) throw new IntentDecodeError(id, `not an intent event: ${JSON.stringify(event)}`);
  const json = field('payload');
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new IntentDecodeError(id, 'payload is not JSON');
  }
  const timestamp = epochMsField(field('timestamp'), 'timestamp', fail);
  const entry: IntentEntry = {
    id,
    event,
    payload: payload as ClientPayload<IntentEvent>,
    sender: {
      userId: field('userId'),
      username: field('username'),
      socketId: field('socketId'),
      nodeId: field('nodeId'),
    },
    timestamp,
  };
  return entry as AnyIntentEntry;
}

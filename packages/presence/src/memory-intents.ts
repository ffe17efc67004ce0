import {
  decodeIntentEntry,
  encodeIntentFields,
  intentDomain,
  type AnyIntentEntry,
  type IntentDomain,
  type IntentRecord,
} from '@gamesocket/protocol';
import { MemoryStream, type MemoryConsumer, type MemoryGroupOptions } from './memory-stream.js';

/** An entry as stored: its id and the field list XADD would take. */
interface Encoded {
  id: string;
  fields: string[];
}

/** Options of `MemoryIntents.consume`: the group, and the domain whose intents to read. */
export interface MemoryIntentConsumeOptions extends MemoryGroupOptions {
  /** `room` or `match`. */
  domain: IntentDomain;
  /** Called when a handler throws (with the entry; it stays pending and is handed out again). */
  onError?: (err: unknown, entry?: AnyIntentEntry) => void;
}

/**
 * The client intents of a single node (`memory` mode), where the Redis modes append them to a stream per domain:
 * one capped `MemoryStream` per domain with the same consumer-group semantics. Entries go through the intent codec
 * both ways, so a consumer gets exactly what it would read from Redis.
 */
export class MemoryIntents {
  private readonly streams = new Map<IntentDomain, MemoryStream<Encoded>>();

  /** `maxLen`: entries kept per domain (the `INTENT_STREAM_MAX_LEN` of the Redis modes). */
  constructor(private readonly maxLen: number) {}

  /** Appends an accepted intent to its domain's stream; returns the entry id. */
  append(record: IntentRecord): string {
    return this.streamOf(intentDomain(record.event)).append((id) => ({ id, fields: encodeIntentFields(record) }));
  }

  /** True once a consumer group reads the domain: a backend in this process takes its intents. */
  isConsumed(domain: IntentDomain): boolean {
    return this.streams.get(domain)?.hasGroups() === true;
  }

  /** Hands a domain's intents to `handler` with a consumer group (acknowledged when it resolves). */
  consume(
    options: MemoryIntentConsumeOptions,
    handler: (entry: AnyIntentEntry) => Promise<void> | void,
  ): MemoryConsumer {
    const { domain, onError = () => undefined } = options;
    // Decoded on every delivery, as read from Redis: a handler's changes to an entry never reach a retry.
    const entryOf = ({ id, fields }: Encoded): AnyIntentEntry => decodeIntentEntry(id, fields);
    return this.streamOf(domain).consume(
      options,
      (encoded) => {
        let entry: AnyIntentEntry;
        try {
          entry = entryOf(encoded);
        } catch (err) {
          // As from Redis: a malformed entry is reported once and acknowledged, never handed out again.
          onError(err);
          return;
        }
        return handler(entry);
      },
      // Decoded before the handler ran, so it decodes again.
      (err, encoded) => onError(err, entryOf(encoded)),
    );
  }

  private streamOf(domain: IntentDomain): MemoryStream<Encoded> {
    let stream = this.streams.get(domain);
    if (stream === undefined) {
      stream = new MemoryStream(this.maxLen);
      this.streams.set(domain, stream);
    }
    return stream;
  }
}

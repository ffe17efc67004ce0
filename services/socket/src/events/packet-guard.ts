import { ERROR_CODES } from '@gamesocket/protocol';
import * as parser from 'socket.io-parser';
import type { ProtocolRefusal } from '../core/metrics.js';

export type { ProtocolRefusal };

/** Most binary attachments one packet may declare; no client event carries binary at all. */
export const MAX_ATTACHMENTS = 4;
/** Deepest JSON nesting a packet may carry; every client schema is at most 3 levels deep. */
export const MAX_NESTING = 32;
/** CONNECT packets one connection may send in its life (socket.io-client sends one per namespace join). */
export const MAX_CONNECTS_PER_CONNECTION = 4;

/** A packet the guard refuses; Socket.IO closes the connection on it (see `ProtocolGuard`). */
export class ProtocolViolation extends Error {
  constructor(
    readonly kind: ProtocolRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

/** Depth of the deepest `[`/`{` nesting in a JSON text, strings skipped; stops counting past `limit`. */
export function nestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return max;
}

/** A Socket.IO parser (the `parser` server option): the stock one, with the guards below. */
export interface ProtocolGuard {
  Encoder: typeof parser.Encoder;
  Decoder: typeof parser.Decoder;
}

/**
 * The Socket.IO packet codec of this service: socket.io-parser with stricter decoding. Every
 * packet a client sends is refused — Socket.IO then closes that connection, after flushing the
 * `system:error { code: 'INVALID_PAYLOAD' }` the socket's error handler queues — when it is
 * malformed (socket.io-parser's own checks), declares more than `MAX_ATTACHMENTS` attachments,
 * nests deeper than `MAX_NESTING`, carries an ack id that is not a safe integer, or is the
 * connection's CONNECT number `MAX_CONNECTS_PER_CONNECTION + 1`. The encoder adds the stable
 * code to Socket.IO's "Invalid namespace" refusal, so clients can switch on it.
 */
export function createProtocolGuard(onRefusal: (kind: ProtocolRefusal) => void): ProtocolGuard {
  class GuardedEncoder extends parser.Encoder {
    override encode(packet: parser.Packet): ReturnType<parser.Encoder['encode']> {
      // Socket.IO answers a CONNECT to an unserved namespace with this fixed message and no data.
      if (
        packet.type === parser.PacketType.CONNECT_ERROR &&
        packet.data?.message === 'Invalid namespace' &&
        packet.data.data === undefined
      ) {
        onRefusal('namespace');
        const data = { code: ERROR_CODES.INVALID_PAYLOAD, message: `namespace ${packet.nsp} is not served` };
        return super.encode({ ...packet, data: { message: packet.data.message, data } });
      }
      return super.encode(packet);
    }
  }

  type Listener = (packet: parser.Packet) => void;

  // socket.io-parser emits each decoded packet to the listeners Socket.IO's `Client` adds with `on('decoded')`
  // (socket.io/dist/client.js:55), calling them with the decoder as `this`: one shared listener checks the packet and
  // hands it on, so a connection's decoder is one object, with no wrapper emitter or closure per connection.
  function checkThenDeliver(this: GuardedDecoder, packet: parser.Packet): void {
    this.check(packet);
    this.deliver?.(packet);
  }

  class GuardedDecoder extends parser.Decoder {
    /** The listener `on('decoded')` was given, called after the checks. */
    deliver: Listener | undefined;
    private connects = 0;

    constructor() {
      super({ maxAttachments: MAX_ATTACHMENTS });
    }

    /** The one `decoded` listener (Socket.IO's `Client`) gets only the packets that pass the checks. */
    override on(event: string, listener: Listener): this {
      if (event !== 'decoded') return super.on(event as 'decoded', listener);
      if (this.deliver !== undefined) throw new Error('a guarded decoder takes one decoded listener');
      this.deliver = listener;
      return super.on('decoded', checkThenDeliver);
    }

    addEventListener(event: string, listener: Listener): this {
      return this.on(event, listener);
    }

    // component-emitter's off, removeListener, removeAllListeners and removeEventListener are one function that counts
    // its arguments: none removes every listener, an event alone all of that event's.
    override off(...args: [event?: string, listener?: Listener]): this {
      const [event, listener] = args;
      // `once` registers a wrapper that carries the listener as `fn`: removing either removes it.
      const deliver = this.deliver as (Listener & { fn?: Listener }) | undefined;
      if (event === 'decoded' && listener !== undefined && (listener === deliver || listener === deliver?.fn)) {
        this.deliver = undefined;
        return super.off('decoded', checkThenDeliver);
      }
      if (args.length === 0 || (args.length === 1 && event === 'decoded')) this.deliver = undefined;
      return Reflect.apply(parser.Decoder.prototype.off, this, args) as this;
    }

    override removeListener(...args: [event?: string, listener?: Listener]): this {
      return this.off(...args);
    }

    override removeAllListeners(...args: [event?: string]): this {
      return this.off(...args);
    }

    removeEventListener(...args: [event?: string, listener?: Listener]): this {
      return this.off(...args);
    }

    /** Decodes one Engine.IO message; throws on a refused packet (Socket.IO closes the connection). */
    override add(data: unknown): void {
      if (typeof data === 'string' && nestingDepth(data, MAX_NESTING) > MAX_NESTING) {
        throw this.refuse('nesting', `packet nested deeper than ${MAX_NESTING} levels`);
      }
      try {
        super.add(data);
      } catch (err) {
        if (!(err instanceof ProtocolViolation)) onRefusal('malformed');
        throw err;
      }
    }

    /** Throws on a decoded packet the guards refuse. */
    check(packet: parser.Packet): void {
      // Digits are read into a Number: a long run becomes an unsafe float or Infinity.
      if (packet.id !== undefined && !(Number.isSafeInteger(packet.id) && packet.id >= 0)) {
        throw this.refuse('ack_id', 'invalid ack id');
      }
      if (packet.type === parser.PacketType.CONNECT && ++this.connects > MAX_CONNECTS_PER_CONNECTION) {
        throw this.refuse('connect_repeat', 'too many CONNECT packets on one connection');
      }
    }

    private refuse(kind: ProtocolRefusal, message: string): ProtocolViolation {
      onRefusal(kind);
      return new ProtocolViolation(kind, message);
    }
  }

  return { Encoder: GuardedEncoder, Decoder: GuardedDecoder };
}

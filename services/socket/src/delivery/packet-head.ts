/** What the head of an encoded Socket.IO packet says, read without parsing its JSON. */
export interface PacketHead {
  /** The packet type: 2 EVENT, 3 ACK, 5 BINARY_EVENT, 6 BINARY_ACK, 0 CONNECT, ... */
  type: number;
  /** Binary attachments (`51-...`) that follow as separate frames; 0 when none. */
  attachments: number;
  /** The namespace (`/` unless written as `/name,`). */
  nsp: string;
  /** The ack id, when there is one. */
  ackId: number | undefined;
  /**
   * The event name of an EVENT or BINARY_EVENT packet; undefined for other types, and when the name is
   * not a plain string (escapes are not decoded, so a name with one is not read).
   */
  event: string | undefined;
}

// socket.io-parser's encoding (Encoder.encodeAsString): type digit, `<attachments>-` for the binary
// types, `<nsp>,` unless the namespace is `/`, the ack id, then the JSON array with the name first.
const HEAD = /^([0-6])(?:(\d+)-)?(?:(\/[^,]*),)?(\d*)(?:\["([^"\\]*)")?/;
const EVENT = 2;
const BINARY_EVENT = 5;

/**
 * Reads the head of one encoded packet as socket.io-parser writes it (`2["name",...]`,
 * `51-["name",...]` + attachments, `2/nsp,7["name",...]`, `313[...]`); undefined when `encoded` is
 * not a string packet (a binary attachment, garbage).
 */
export function readPacketHead(encoded: unknown): PacketHead | undefined {
  if (typeof encoded !== 'string') return undefined;
  const match = HEAD.exec(encoded);
  if (match === null) return undefined;
  const type = Number(match[1]);
  return {
    type,
    attachments: match[2] === undefined ? 0 : Number(match[2]),
    nsp: match[3] ?? '/',
    ackId: match[4] === '' || match[4] === undefined ? undefined : Number(match[4]),
    event: isEventType(type) ? match[5] : undefined,
  };
}

const isEventType = (type: number): boolean => type === EVENT || type === BINARY_EVENT;

/** True for an EVENT or BINARY_EVENT packet's head (not acks, CONNECT, DISCONNECT or errors). */
export function isEventHead(head: PacketHead | undefined): head is PacketHead {
  return head !== undefined && isEventType(head.type);
}

/**
 * The head of the first packet of a write: Socket.IO hands a connection either one encoded packet or
 * an array (a binary packet's head followed by its attachments).
 */
export function readWriteHead(packets: unknown): PacketHead | undefined {
  return readPacketHead(Array.isArray(packets) ? packets[0] : packets);
}

import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  DEFAULT_ROOM_TICKET_TTL_SEC,
  ROOM_TICKET_TYPE,
  roomTicketClaims,
  type RoomName,
  type UserId,
} from '@gamesocket/protocol';

/** Options of `createRoomTicket`. */
export interface RoomTicketOptions {
  /** The user the ticket admits (`sub`). */
  userId: UserId;
  /** The full room name (`room:42`, `match:7`). */
  room: RoomName;
  /** The socket service's `ROOM_TICKET_SECRET` (>= 32 bytes). */
  secret: string | Uint8Array;
  /** Lifetime in seconds. Default 60: a ticket is used right away. */
  ttlSec?: number;
}

/**
 * Issues a room ticket: an HS256 JWT `{ sub, room, aud, iat, exp }` (the protocol's `RoomTicketClaims`) with the
 * header `typ: ROOM_TICKET_TYPE`, that lets one user join one room with `room:join` / `match:join`. The header and
 * the audience keep it from ever passing as an access token, and an access token from passing as a ticket. Hand it
 * to the client (e.g. in an HTTP response or a `user:<id>` event).
 */
export async function createRoomTicket(options: RoomTicketOptions): Promise<string> {
  const secret = Buffer.from(options.secret);
  if (secret.length < 32) throw new TypeError('the room ticket secret must be at least 32 bytes');
  return new SignJWT(roomTicketClaims(options.userId, options.room))
    .setProtectedHeader({ alg: 'HS256', typ: ROOM_TICKET_TYPE })
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSec ?? DEFAULT_ROOM_TICKET_TTL_SEC}s`)
    .sign(createSecretKey(secret));
}

import { jwtVerify } from 'jose';
import {
  ROOM_TICKET_AUDIENCE,
  ROOM_TICKET_TYPE,
  roomTicketAdmits,
  type RoomName,
  type UserId,
} from '@gamesocket/protocol';
import { hmacVerifyKey } from './hmac-key.js';

/**
 * Verifies room tickets: short-lived HS256 JWTs a backend service issues to let one user join one
 * room (the protocol's `RoomTicketClaims`: `sub` = the user, `room` = the full room name such as `room:42`,
 * `aud` = `ROOM_TICKET_AUDIENCE`, `exp`; header `typ` = `ROOM_TICKET_TYPE`). Without both markers a token is no
 * ticket, whatever it claims: an access token signed with the same key never opens a room.
 */
export interface RoomTicketVerifier {
  /** True when `ticket` is valid, unexpired, for `userId` and for `room`. */
  verify(ticket: string, userId: UserId, room: RoomName): Promise<boolean>;
}

/** Builds the verifier; the key is imported once, the algorithm pinned to HS256. */
export function createRoomTicketVerifier(secret: string | Uint8Array, clockToleranceSec = 5): RoomTicketVerifier {
  const key = hmacVerifyKey(secret);
  return {
    async verify(ticket, userId, room) {
      try {
        const { payload } = await jwtVerify(ticket, await key, {
          algorithms: ['HS256'],
          typ: ROOM_TICKET_TYPE,
          audience: ROOM_TICKET_AUDIENCE,
          clockTolerance: clockToleranceSec,
        });
        return roomTicketAdmits(payload, userId, room);
      } catch {
        return false;
      }
    },
  };
}

import type { User } from './payloads.js';
import { isRoomId, type RoomName, type UserId } from './rooms.js';

/** The claims of a verified JWT (jose's `JWTPayload` is one). */
export type Claims = Readonly<Record<string, unknown>>;

/** Longest `username` taken from a token; a longer one is ignored (the next source is used). */
export const USERNAME_MAX_LENGTH = 64;
/** Longest `role` taken from a token; a longer one is ignored (`DEFAULT_ROLE` is used). */
export const ROLE_MAX_LENGTH = 32;
/** The role of a user whose token names none. */
export const DEFAULT_ROLE = 'user';

const boundedString = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/**
 * The user an access token names: `{ userId: sub ?? userId, username, role }`. `username` is the `username` claim,
 * else `name`, else the user id (each only when a non-empty string of at most `USERNAME_MAX_LENGTH` characters);
 * `role` is the `role` claim (at most `ROLE_MAX_LENGTH`) or `DEFAULT_ROLE`. Undefined when the user id is missing
 * or not a valid id (it must be able to name a `user:<id>` room). Every process that reads a login token (the
 * socket service's handshake, backends) uses this, so all agree on who a token is.
 */
export function userFromClaims(claims: Claims): User | undefined {
  const userId = claims.sub ?? claims.userId;
  if (!isRoomId(userId)) return undefined;
  const username =
    boundedString(claims.username, USERNAME_MAX_LENGTH) ?? boundedString(claims.name, USERNAME_MAX_LENGTH) ?? userId;
  const role = boundedString(claims.role, ROLE_MAX_LENGTH) ?? DEFAULT_ROLE;
  return { userId, username, role };
}

/**
 * The `typ` header of every room ticket. With `ROOM_TICKET_AUDIENCE` it tells a ticket from an access token even
 * when both are signed with one key: the ticket verifier requires both, readers of access tokens refuse either.
 */
export const ROOM_TICKET_TYPE = 'gamesocket-room-ticket+jwt';

/** The `aud` claim of every room ticket (see `ROOM_TICKET_TYPE`); an access token must never carry it. */
export const ROOM_TICKET_AUDIENCE = 'gamesocket:room-ticket';

/**
 * The claims of a room ticket besides `iat` / `exp`: a short-lived HS256 JWT (header `typ` `ROOM_TICKET_TYPE`) a
 * backend mints (the emitter's `createRoomTicket`) and the socket service verifies at `room:join` / `match:join`
 * with `ROOM_TICKET_SECRET`.
 */
export type RoomTicketClaims = {
  /** The user the ticket admits. */
  sub: UserId;
  /** The full room name it admits to (`room:42`, `match:7`). */
  room: RoomName;
  /** Always `ROOM_TICKET_AUDIENCE`: a ticket is for the room join, never a login. */
  aud: typeof ROOM_TICKET_AUDIENCE;
};

/** A room ticket's lifetime when its minter names none, seconds: a ticket is used right away. */
export const DEFAULT_ROOM_TICKET_TTL_SEC = 60;

/** The claims of a ticket that admits `userId` to `room`. */
export function roomTicketClaims(userId: UserId, room: RoomName): RoomTicketClaims {
  return { room, sub: userId, aud: ROOM_TICKET_AUDIENCE };
}

const audiences = (aud: unknown): unknown[] => (Array.isArray(aud) ? aud : [aud]);

/** True when a JWT `typ` header is `ROOM_TICKET_TYPE` (compared as JOSE does: any case, `application/` optional). */
export function isRoomTicketType(typ: unknown): boolean {
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === ROOM_TICKET_TYPE;
}

/**
 * True when a token is (or poses as) a room ticket: its header says so, its audience is `ROOM_TICKET_AUDIENCE`, or
 * it carries a `room` claim (tickets minted before the marker had only that). A reader of access tokens must refuse
 * any token this is true of; pass the protected header when you have it.
 */
export function isRoomTicket(claims: Claims, header: Readonly<{ typ?: unknown }> = {}): boolean {
  return (
    isRoomTicketType(header.typ) || audiences(claims.aud).includes(ROOM_TICKET_AUDIENCE) || claims.room !== undefined
  );
}

/**
 * True when verified ticket `claims` admit `userId` to `room`: the ticket's audience, its user, its room, and an
 * `exp` (a ticket never lives forever). The verifier checks the `typ` header.
 */
export function roomTicketAdmits(claims: Claims, userId: UserId, room: RoomName): boolean {
  return (
    audiences(claims.aud).includes(ROOM_TICKET_AUDIENCE) &&
    claims.sub === userId &&
    claims.room === room &&
    typeof claims.exp === 'number'
  );
}

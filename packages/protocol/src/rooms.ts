/** A user's id as the auth API issues it (the JWT `sub`). */
export type UserId = string;
/** A Socket.IO room name: `lobby`, `user:<id>`, `room:<id>` or `match:<id>`. */
export type RoomName = string;

/** The room every socket may join, anonymous ones too. */
export const LOBBY_ROOM = 'lobby';

/** Room kinds and their prefixes. */
export const ROOM_PREFIXES = { user: 'user:', room: 'room:', match: 'match:' } as const;

/** The kind of a room name. */
export type RoomKind = 'lobby' | keyof typeof ROOM_PREFIXES;

/** Ids inside room names: 1-128 letters, digits and `_ . @ -`, starting with a letter or digit. */
export const ROOM_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$';
const roomIdRegExp = new RegExp(ROOM_ID_PATTERN);

/**
 * Room names built from ids; they throw on an id that could not have come from us. `watchers` is
 * the server-internal room of the sockets watching a user's presence (joined through
 * `player:watch` only).
 */
export const rooms = {
  watchers: (userId: UserId): RoomName => `watch:${checkId(userId)}`,
  lobby: (): RoomName => LOBBY_ROOM,
  user: (userId: UserId): RoomName => ROOM_PREFIXES.user + checkId(userId),
  room: (roomId: string): RoomName => ROOM_PREFIXES.room + checkId(roomId),
  match: (matchId: string): RoomName => ROOM_PREFIXES.match + checkId(matchId),
};

/** True when `id` may be used inside a room name. */
export function isRoomId(id: unknown): id is string {
  return typeof id === 'string' && roomIdRegExp.test(id);
}

function checkId(id: string): string {
  if (!isRoomId(id)) throw new TypeError(`invalid room id: ${JSON.stringify(id)}`);
  return id;
}

/** Splits a room name into kind and id; `undefined` for names that are not ours. */
export function parseRoom(name: string): { kind: RoomKind; id: string } | undefined {
  if (name === LOBBY_ROOM) return { kind: 'lobby', id: '' };
  for (const kind of ['user', 'room', 'match'] as const) {
    const prefix = ROOM_PREFIXES[kind];
    if (name.startsWith(prefix)) {
      const id = name.slice(prefix.length);
      return isRoomId(id) ? { kind, id } : undefined;
    }
  }
  return undefined;
}

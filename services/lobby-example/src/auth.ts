import { createSecretKey } from 'node:crypto';
import { parseCookie } from 'cookie';
import { jwtVerify } from 'jose';
import { isRoomTicket, userFromClaims, type PublicUser } from '@gamesocket/protocol';

/** The cookie the auth API sets, the same one the socket service reads. */
export const AUTH_COOKIE = 'accessToken';

/** Reads the signed-in user from a request's Cookie header; undefined when there is none or it is not valid. */
export type UserReader = (cookieHeader: string | undefined) => Promise<PublicUser | undefined>;

/**
 * Verifies the auth API's access token (HS256, algorithm pinned, 5 s clock tolerance) the way the
 * socket service does, and takes the user from its claims with the protocol's `userFromClaims` (the
 * service's own rule), keeping `{ userId, username }`. A room ticket is not a login.
 */
export function createUserReader(jwtSecret: string): UserReader {
  const key = createSecretKey(Buffer.from(jwtSecret));
  return async (cookieHeader) => {
    const token = cookieHeader === undefined ? undefined : parseCookie(cookieHeader)[AUTH_COOKIE];
    if (token === undefined || token === '') return undefined;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], clockTolerance: 5 });
      if (isRoomTicket(payload)) return undefined;
      const user = userFromClaims(payload);
      return user === undefined ? undefined : { userId: user.userId, username: user.username };
    } catch {
      return undefined;
    }
  };
}

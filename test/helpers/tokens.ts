import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';

type SigningKey = Parameters<SignJWT['sign']>[0];

/** The HS256 secret test services are started with (>= 32 bytes, test-only). */
export const TEST_SECRET = 'test-secret-for-gamesocket-tests-0123456789';

/** Options of `mintToken`. */
export interface MintOptions {
  /** Signing key: a secret string (HS*) or a private key (RS/ES/EdDSA). Default TEST_SECRET. */
  key?: string | SigningKey;
  alg?: string;
  kid?: string;
  /** Expiry as epoch seconds (overrides `expiresIn`); `null` mints a token without `exp`. */
  exp?: number | null;
  /** Seconds from now until expiry (default 3600); negative for an expired token. */
  expiresIn?: number;
}

/** Mints a real signed JWT with jose, the way the auth API would. */
export async function mintToken(claims: JWTPayload, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const alg = options.alg ?? 'HS256';
  const key = options.key ?? TEST_SECRET;
  const signingKey = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, ...(options.kid !== undefined && { kid: options.kid }) })
    .setIssuedAt(now);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now + (options.expiresIn ?? 3600));
  return jwt.sign(signingKey);
}

/** An `alg: none` token: never accepted. */
export function unsignedToken(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('1h').encode();
}

/** The Cookie header carrying `token` in the access-token cookie. */
export function authCookie(token: string, cookieName = 'accessToken'): string {
  return `${cookieName}=${token}`;
}

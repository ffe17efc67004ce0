import type { AuthState, User } from '@gamesocket/protocol';
import { isRoomTicket, userFromClaims } from '@gamesocket/protocol';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import { hmacVerifyKey } from './hmac-key.js';

/** Asymmetric algorithms accepted from a JWKS; symmetric ones never are (no HS256-with-public-key forgery). */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/** The outcome of verifying one access token. */
export type VerifyResult =
  | { auth: 'ok'; user: User; exp: number; jti: string | undefined }
  | { auth: Exclude<AuthState, 'ok' | 'anonymous'>; reason: string };

/** Verifies access tokens; the key is imported once, algorithms are pinned. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
}

/** Where the verification key comes from. */
export type KeySource = { kind: 'secret'; secret: string | Uint8Array } | { kind: 'jwks'; url: URL };

/** Options of `createTokenVerifier`. */
export interface TokenVerifierOptions {
  key: KeySource;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Seconds of clock skew accepted. */
  clockToleranceSec?: number;
}

/** Builds the access-token verifier used at every handshake. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verifyOptions: JWTVerifyOptions = {
    algorithms: options.key.kind === 'secret' ? ['HS256'] : JWKS_ALGORITHMS,
    clockTolerance: options.clockToleranceSec ?? 5,
    // A token without exp would be valid forever (and never expire a connection): refused as invalid.
    requiredClaims: ['exp'],
    ...(options.issuer !== undefined && { issuer: options.issuer }),
    ...(options.audience !== undefined && { audience: options.audience }),
  };
  let verifyToken: (token: string) => Promise<JWTVerifyResult>;
  if (options.key.kind === 'secret') {
    const key = hmacVerifyKey(options.key.secret);
    verifyToken = async (token) => jwtVerify(token, await key, verifyOptions);
  } else {
    const jwks = createRemoteJWKSet(options.key.url);
    verifyToken = (token) => jwtVerify(token, jwks, verifyOptions);
  }

  return {
    async verify(token) {
      let payload: JWTPayload;
      let header: JWTHeaderParameters;
      try {
        ({ payload, protectedHeader: header } = await verifyToken(token));
      } catch (err) {
        if (err instanceof errors.JWTExpired) return { auth: 'expired', reason: err.code };
        const reason = err instanceof errors.JOSEError ? err.code : 'ERR_VERIFY';
        return { auth: 'invalid', reason };
      }
      // A room ticket may be signed with the same key (outside production): it must never pass as an access token.
      if (isRoomTicket(payload, header)) return { auth: 'invalid', reason: 'ERR_ROOM_TICKET' };
      const user = userFromClaims(payload);
      if (user === undefined) return { auth: 'invalid', reason: 'ERR_CLAIMS' };
      return {
        auth: 'ok',
        user,
        exp: payload.exp as number,
        jti: typeof payload.jti === 'string' ? payload.jti : undefined,
      };
    },
  };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretMatcher } from '../../core/secret-compare.js';
import { addressKey, clientAddress, type TrustedProxies } from '../../handshake/client-address.js';
import { createFailureBackoff } from '../failure-backoff.js';

/** Wrong admin passwords an address may try before it is locked out (then 1 s, doubling per attempt, up to 15 min). */
export const ADMIN_FREE_FAILURES = 5;
const ADMIN_LOCKOUT = { baseMs: 1000, maxMs: 15 * 60_000, maxKeys: 10_000 };

/** The admin view's credentials. */
export interface AdminCredentials {
  user: string;
  password: string;
  /** Whose `X-Forwarded-For` names the client (TRUSTED_PROXIES): failed attempts count per client address. */
  trusted: TrustedProxies;
}

/** A fastify `onRequest` hook: answers the request itself (401, 429) unless its credentials are right. */
export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/**
 * Basic auth of the admin view. Per client address, after `ADMIN_FREE_FAILURES` wrong credentials
 * every attempt is answered 429 with `Retry-After`, unchecked, and the lockout doubles with each one
 * (`failure-backoff.ts`).
 */
export function adminGuard(credentials: AdminCredentials): AdminGuard {
  const matches = secretMatcher(`${credentials.user}:${credentials.password}`);
  const backoff = createFailureBackoff({ freeFailures: ADMIN_FREE_FAILURES, ...ADMIN_LOCKOUT });
  const unauthorized = (reply: FastifyReply): FastifyReply =>
    reply.code(401).header('www-authenticate', 'Basic realm="gamesocket admin"').send({ ok: false });
  const tooMany = (reply: FastifyReply, retryAfterMs: number): FastifyReply =>
    reply
      .code(429)
      .header('retry-after', String(Math.ceil(retryAfterMs / 1000)))
      .send({ ok: false, error: { code: 'RATE_LIMITED', message: 'too many failed attempts, retry later' } });
  return async (request, reply) => {
    const match = /^basic +(\S+)$/i.exec(request.headers.authorization ?? '');
    // No credentials is no attempt: the browser's first request, answered with the challenge.
    if (match?.[1] === undefined) return unauthorized(reply);
    const key = addressKey(clientAddress(request.raw, credentials.trusted));
    const verdict = backoff.attempt(key);
    if (!verdict.allowed) return tooMany(reply, verdict.retryAfterMs);
    if (matches(Buffer.from(match[1], 'base64').toString('utf8'))) {
      backoff.succeeded(key);
      return undefined;
    }
    const after = backoff.failed(key);
    return after.allowed ? unauthorized(reply) : tooMany(reply, after.retryAfterMs);
  };
}

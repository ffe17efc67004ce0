import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LobbyStats } from '@gamesocket/protocol';
import { secretMatcher } from '../core/secret-compare.js';
import type { GameServer } from '../core/socket-types.js';
import { addressKey, clientAddress, type TrustedProxies } from '../handshake/client-address.js';
import { createFailureBackoff } from './failure-backoff.js';

/** Wrong admin passwords an address may try before it is locked out (then 1 s, doubling per attempt, up to 15 min). */
export const ADMIN_FREE_FAILURES = 5;
const ADMIN_LOCKOUT = { baseMs: 1000, maxMs: 15 * 60_000, maxKeys: 10_000 };

/** What the admin view shows about this pod. */
export interface AdminDeps {
  io: GameServer;
  nodeId: string;
  adapterMode: string;
  redisUp(): boolean;
  draining(): boolean;
  presence(): Promise<LobbyStats>;
  user: string;
  password: string;
  /** Whose `X-Forwarded-For` names the client (TRUSTED_PROXIES): failed attempts count per client address. */
  trusted: TrustedProxies;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A read-only admin view for operators (`GET /admin`, `GET /admin/status.json`) behind its own
 * basic-auth credentials. Registered only when ADMIN_USER and ADMIN_PASSWORD are both set. Per
 * client address, after `ADMIN_FREE_FAILURES` wrong credentials every attempt is answered 429 with
 * `Retry-After`, unchecked, and the lockout doubles with each one (`failure-backoff.ts`).
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const matches = secretMatcher(`${deps.user}:${deps.password}`);
  const backoff = createFailureBackoff({ freeFailures: ADMIN_FREE_FAILURES, ...ADMIN_LOCKOUT });
  const unauthorized = (reply: FastifyReply): FastifyReply =>
    reply.code(401).header('www-authenticate', 'Basic realm="gamesocket admin"').send({ ok: false });
  const tooMany = (reply: FastifyReply, retryAfterMs: number): FastifyReply =>
    reply
      .code(429)
      .header('retry-after', String(Math.ceil(retryAfterMs / 1000)))
      .send({ ok: false, error: { code: 'RATE_LIMITED', message: 'too many failed attempts, retry later' } });
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const match = /^basic +(\S+)$/i.exec(request.headers.authorization ?? '');
    // No credentials is no attempt: the browser's first request, answered with the challenge.
    if (match?.[1] === undefined) return unauthorized(reply);
    const key = addressKey(clientAddress(request.raw, deps.trusted));
    const verdict = backoff.attempt(key);
    if (!verdict.allowed) return tooMany(reply, verdict.retryAfterMs);
    if (matches(Buffer.from(match[1], 'base64').toString('utf8'))) {
      backoff.succeeded(key);
      return undefined;
    }
    const after = backoff.failed(key);
    return after.allowed ? unauthorized(reply) : tooMany(reply, after.retryAfterMs);
  };

  const status = async (): Promise<Record<string, unknown>> => {
    const adapter = deps.io.of('/').adapter;
    let presence: LobbyStats | string;
    try {
      presence = await deps.presence();
    } catch {
      presence = 'unavailable';
    }
    return {
      nodeId: deps.nodeId,
      adapter: deps.adapterMode,
      redisUp: deps.redisUp(),
      draining: deps.draining(),
      localSockets: deps.io.of('/').sockets.size,
      localRooms: adapter.rooms.size,
      presence,
      uptimeSec: Math.round(process.uptime()),
      rssBytes: process.memoryUsage().rss,
    };
  };

  app.get('/admin/status.json', { onRequest: authorize }, status);
  app.get('/admin', { onRequest: authorize }, async (_request, reply) => {
    const rows = Object.entries(await status())
      .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(JSON.stringify(value))}</td></tr>`)
      .join('');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><title>gamesocket admin</title><h1>gamesocket ${escapeHtml(deps.nodeId)}</h1><table>${rows}</table>`,
      );
  });
}

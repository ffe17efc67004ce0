import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LobbyStats } from '@gamesocket/protocol';
import { secretMatcher } from '../core/secret-compare.js';
import type { GameServer } from '../core/socket-types.js';

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
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A read-only admin view for operators (`GET /admin`, `GET /admin/status.json`) behind its own
 * basic-auth credentials. Registered only when ADMIN_USER and ADMIN_PASSWORD are both set.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const matches = secretMatcher(`${deps.user}:${deps.password}`);
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const match = /^basic +(\S+)$/i.exec(request.headers.authorization ?? '');
    const given = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8');
    if (match === null || !matches(given)) {
      return reply.code(401).header('www-authenticate', 'Basic realm="gamesocket admin"').send({ ok: false });
    }
    return undefined;
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

import { isRoomId } from '@gamesocket/protocol';
import type { DenyList, Memberships, Presence } from '@gamesocket/presence';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../../core/logger.js';
import type { GameServer } from '../../core/socket-types.js';
import type { PresenceTracker } from '../../presence/presence-tracker.js';
import { userActions } from '../user-actions.js';
import { outcomeMessage, registerAdminActions } from './actions.js';
import {
  ADMIN_ICON,
  ADMIN_ICON_PATH,
  ADMIN_SCRIPT,
  ADMIN_SCRIPT_PATH,
  ADMIN_STYLE,
  ADMIN_STYLE_PATH,
  REFRESH_HEADER,
} from './assets.js';
import { adminGuard, type AdminCredentials } from './auth.js';
import { cachedClusterReads, readCluster, readUser, type ClusterSources } from './cluster-read.js';
import { csrfTokens } from './csrf.js';
import { podStatus } from './pod-status.js';
import { errorPage, layout, overviewPage, userPath, userPage } from './render.js';

export { ADMIN_FREE_FAILURES } from './auth.js';

/** What the admin view shows and acts on. */
export interface AdminDeps extends AdminCredentials {
  io: GameServer;
  nodeId: string;
  adapterMode: string;
  redisUp(): boolean;
  draining(): boolean;
  /** The pod's presence tracker: cached counters, and the membership actions kicks go through. */
  tracker: PresenceTracker;
  /** The cluster state every pod shares (memory in `memory` mode). */
  stores: { presence: Presence; memberships: Memberships; denyList: DenyList };
  log: Logger;
}

/** No script or style but the view's own files, no framing, forms post only here. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const html = (reply: FastifyReply, page: string): FastifyReply => reply.type('text/html; charset=utf-8').send(page);

const textQuery = (query: unknown, name: string): string => {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim().slice(0, 128) : '';
};

/**
 * The admin view for operators, behind its own basic-auth credentials (registered only when
 * ADMIN_USER and ADMIN_PASSWORD are both set, so without them every `/admin` path is 404):
 * - `GET /admin`: this pod, then pods (heartbeat reports), users online with their sockets' pods and
 *   rooms with their members, cluster-wide, bounded and filtered by `?q=`;
 * - `GET /admin/users/:userId`: a user's presence, sockets and memberships, with POST forms to kick
 *   them from a room, disconnect or revoke them (`actions.ts`); `GET /admin/users?id=` opens it;
 * - `GET /admin/status.json`: this pod's status, the cluster counters and the pods;
 * - `GET /admin/refresh.js`, `/admin/admin.css`, `/admin/icon.svg`: the pages' only script, style and icon
 *   (strict CSP).
 * Server-rendered HTML that works without JavaScript; where it runs, the script refreshes the live
 * sections.
 */
export async function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const guard = adminGuard(deps);
  const csrf = csrfTokens(deps.user, deps.password);
  const sources: ClusterSources = { ...deps.stores, stats: () => deps.tracker.stats() };

  const refreshed = cachedClusterReads(sources);
  const status = (): Promise<Record<string, unknown>> => podStatus({ ...deps, stats: sources.stats });

  await app.register(async (admin) => {
    admin.addHook('onRequest', guard);
    admin.addHook('onSend', async (_request, reply, payload) => {
      reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store');
      return payload;
    });
    // HTML forms post urlencoded; only this scope parses it (last value of a repeated field wins).
    admin.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    admin.get(ADMIN_SCRIPT_PATH, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(ADMIN_SCRIPT),
    );
    admin.get(ADMIN_ICON_PATH, async (_request, reply) => reply.type('image/svg+xml').send(ADMIN_ICON));
    admin.get(ADMIN_STYLE_PATH, async (_request, reply) => reply.type('text/css; charset=utf-8').send(ADMIN_STYLE));

    admin.get('/admin/status.json', async () => {
      let pods: unknown;
      try {
        pods = await deps.stores.presence.nodes();
      } catch {
        pods = 'unavailable';
      }
      return { ...(await status()), pods };
    });

    admin.get('/admin', async (request, reply) => {
      const search = textQuery(request.query, 'q');
      // The refresh script's reads may reuse a recent one; a page the operator loads is read fresh.
      const view = await (request.headers[REFRESH_HEADER] === '1' ? refreshed(search) : readCluster(sources, search));
      return html(reply, layout('Cluster', deps.nodeId, overviewPage(view, await status())));
    });

    admin.get('/admin/users', async (request, reply) => {
      const id = textQuery(request.query, 'id');
      return reply.redirect(id === '' ? '/admin' : userPath(id), 303);
    });

    admin.get<{ Params: { userId: string } }>('/admin/users/:userId', async (request, reply) => {
      const { userId } = request.params;
      if (!isRoomId(userId)) {
        return html(reply.code(400), errorPage(deps.nodeId, 'Not a user id', `not a user id: ${userId}`));
      }
      const view = await readUser(sources, userId);
      const notice = outcomeMessage(userId, request.query as Record<string, unknown>);
      return html(reply, layout(`User ${userId}`, deps.nodeId, userPage(view, csrf.issue(deps.user)), notice));
    });

    registerAdminActions(admin, {
      actions: userActions({ io: deps.io, presence: deps.tracker, denyList: deps.stores.denyList }),
      csrf,
      admin: deps.user,
      nodeId: deps.nodeId,
      log: deps.log,
    });
  });
}

import { isRoomId } from '@gamesocket/protocol';
import { isMembershipRoom } from '@gamesocket/presence';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../core/logger.js';
import type { UserActions } from '../user-actions.js';
import { CSRF_FIELD, type CsrfTokens } from './csrf.js';
import { errorPage, userPath } from './render.js';

/** The actions an operator can take on a user from the admin view. */
export type AdminAction = 'kick' | 'disconnect' | 'revoke';

/** How long an admin revocation may last, hours (the form offers 1, 24 and 720). */
export const REVOKE_HOURS = { min: 1, max: 720 } as const;

/** What the action routes need. */
export interface AdminActionsDeps {
  actions: UserActions;
  csrf: CsrfTokens;
  /** The admin user (ADMIN_USER): who every action is logged as. */
  admin: string;
  nodeId: string;
  log: Logger;
}

type ActionRequest = FastifyRequest<{ Params: { userId: string }; Body: Record<string, unknown> | undefined }>;

const field = (request: ActionRequest, name: string): string | undefined => {
  const value = request.body?.[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The admin view's POST forms on a user: `kick` (a membership, reason `kicked`), `disconnect`
 * (every socket) and `revoke` (tokens, memberships and sockets). Each needs the CSRF token the view
 * rendered (403 without it, nothing done), goes through the same `UserActions` as the backend API,
 * is logged with the admin user, and answers 303 back to the user's page with the outcome in the
 * query (POST-redirect-GET).
 */
export function registerAdminActions(scope: FastifyInstance, deps: AdminActionsDeps): void {
  const refuse = (reply: FastifyReply, status: number, title: string, message: string): FastifyReply =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(errorPage(deps.nodeId, title, message));

  const route = (
    action: AdminAction,
    run: (request: ActionRequest, userId: string) => Promise<Record<string, string> | string>,
  ): void => {
    scope.post(`/admin/users/:userId/${action}`, async (request: ActionRequest, reply) => {
      const { userId } = request.params;
      if (!deps.csrf.check(deps.admin, field(request, CSRF_FIELD))) {
        deps.log.warn({ action, admin: deps.admin, target: { userId }, refused: 'csrf' }, 'admin action refused');
        return refuse(
          reply,
          403,
          'Refused: bad CSRF token',
          'The form carried no CSRF token, or a wrong one, so nothing was done. Reload the admin page and submit its form again.',
        );
      }
      if (!isRoomId(userId)) return refuse(reply, 400, 'Not a user id', `not a user id: ${userId}`);
      const outcome = await run(request, userId);
      if (typeof outcome === 'string') return refuse(reply, 400, 'Invalid form', outcome);
      deps.log.info({ action, admin: deps.admin, target: { userId, ...outcome } }, 'admin action');
      const query = new URLSearchParams({ done: action, ...outcome });
      return reply.redirect(`${userPath(userId)}?${query.toString()}`, 303);
    });
  };

  route('kick', async (request, userId) => {
    const room = field(request, 'room') ?? '';
    if (!isMembershipRoom(room)) return `room: a room:<id> or match:<id> name, not ${JSON.stringify(room)}`;
    const ended = await deps.actions.kick(userId, [room]);
    return { room, ended: String(ended.length) };
  });
  route('disconnect', async (_request, userId) => {
    deps.actions.disconnect(userId);
    return {};
  });
  route('revoke', async (request, userId) => {
    const hours = Number(field(request, 'hours') ?? '24');
    if (!Number.isInteger(hours) || hours < REVOKE_HOURS.min || hours > REVOKE_HOURS.max) {
      return `hours: an integer from ${REVOKE_HOURS.min} to ${REVOKE_HOURS.max}`;
    }
    const ended = await deps.actions.revoke({ userId }, Date.now() + hours * 3_600_000);
    return { hours: String(hours), ended: String(ended.length) };
  });
}

/** The message a user's page shows after an action redirected to it (from its query), if any. */
export function outcomeMessage(userId: string, query: Record<string, unknown>): string | undefined {
  const text = (name: string): string => (typeof query[name] === 'string' ? query[name] : '');
  switch (text('done')) {
    case 'kick':
      return text('ended') === '0'
        ? `${userId} held no membership of ${text('room')}: nothing changed.`
        : `Kicked ${userId} from ${text('room')}.`;
    case 'disconnect':
      return `Disconnected every socket of ${userId}.`;
    case 'revoke':
      return `Revoked ${userId} for ${text('hours')} h: ${text('ended')} memberships ended, sockets closed.`;
    default:
      return undefined;
  }
}

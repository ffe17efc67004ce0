import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';

const demoPage = readFileSync(new URL('../../public/index.html', import.meta.url), 'utf8');
const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/;
const DEV_TOKEN_TTL_SEC = 3600;

/**
 * Dev-only routes: `GET /dev/login?username=alice` sets the httpOnly access-token cookie signed
 * with the per-boot dev secret, `GET /dev/logout` clears it, `GET /` serves the demo page.
 * Registered only when `config.devAuth` is true, which production makes impossible.
 */
export function registerDevRoutes(app: FastifyInstance, deps: { key: KeyObject; cookieName: string }): void {
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(demoPage));

  app.get<{ Querystring: { username?: string } }>('/dev/login', async (request, reply) => {
    const username = request.query.username ?? '';
    if (!USERNAME.test(username)) {
      return reply
        .code(400)
        .send({ ok: false, error: { code: 'INVALID_PAYLOAD', message: 'username: 1-32 of A-Z a-z 0-9 _ . -' } });
    }
    const token = await new SignJWT({ username, role: 'player' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_TTL_SEC}s`)
      .sign(deps.key);
    reply.setCookie(deps.cookieName, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: DEV_TOKEN_TTL_SEC });
    return { ok: true, data: { userId: username, username, expiresIn: DEV_TOKEN_TTL_SEC } };
  });

  app.get('/dev/logout', async (_request, reply) => {
    reply.clearCookie(deps.cookieName, { path: '/' });
    return { ok: true };
  });
}

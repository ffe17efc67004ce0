import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FastifyInstance, FastifyReply } from 'fastify';

const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/;
const DEV_TOKEN_TTL_SEC = 3600;

/** The demo's files: the page (source) and its bundle (`npm run build`: esbuild -> dist/demo), from src/ or dist/. */
const DEMO_FILES = {
  '/': { url: new URL('../../public/index.html', import.meta.url), type: 'text/html; charset=utf-8' },
  '/demo.js': { url: new URL('../../dist/demo/demo.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
} as const;

/** Reads a demo file once; a missing bundle is a hint, not a crash (the service runs without it). */
function loadDemoFile(url: URL): string | undefined {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    return undefined;
  }
}

/** Dependencies of `registerDevRoutes`. */
export interface DevRouteDeps {
  /** The HS256 key the service verifies access tokens with (dev auth's per-boot one, or JWT_SECRET). */
  key: KeyObject;
  cookieName: string;
  /** `iss` / `aud` to put into the tokens, when the service checks them. */
  issuer?: string | undefined;
  audience?: string | undefined;
}

/**
 * Dev-only routes: `GET /dev/login?username=alice` sets the httpOnly access-token cookie signed with `deps.key`,
 * `GET /dev/logout` clears it, `GET /` and `GET /demo.js` serve the demo lobby. Registered only when
 * `config.devLogin` is true, which production makes impossible.
 */
export function registerDevRoutes(app: FastifyInstance, deps: DevRouteDeps): void {
  for (const [path, file] of Object.entries(DEMO_FILES)) {
    const body = loadDemoFile(file.url);
    app.get(path, async (_request, reply: FastifyReply) =>
      body === undefined
        ? reply.code(503).type('text/plain; charset=utf-8').send('demo not built: run `npm run build`\n')
        : reply.type(file.type).header('cache-control', 'no-cache').send(body),
    );
  }

  app.get<{ Querystring: { username?: string } }>('/dev/login', async (request, reply) => {
    const username = request.query.username ?? '';
    if (!USERNAME.test(username)) {
      return reply
        .code(400)
        .send({ ok: false, error: { code: 'INVALID_PAYLOAD', message: 'username: 1-32 of A-Z a-z 0-9 _ . -' } });
    }
    let jwt = new SignJWT({ username, role: 'player' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_TTL_SEC}s`);
    if (deps.issuer !== undefined) jwt = jwt.setIssuer(deps.issuer);
    if (deps.audience !== undefined) jwt = jwt.setAudience(deps.audience);
    const token = await jwt.sign(deps.key);
    reply.setCookie(deps.cookieName, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: DEV_TOKEN_TTL_SEC });
    return { ok: true, data: { userId: username, username, expiresIn: DEV_TOKEN_TTL_SEC } };
  });

  app.get('/dev/logout', async (_request, reply) => {
    reply.clearCookie(deps.cookieName, { path: '/' });
    return { ok: true };
  });
}

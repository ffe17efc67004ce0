import type { FastifyInstance } from 'fastify';

/**
 * CORS with credentials for an allowlist of page origins (e.g. the socket service's demo page), by
 * hand: allowed origins get `Access-Control-Allow-Origin: <origin>` + `-Credentials: true`, and
 * their OPTIONS preflight is answered here. A request from any other origin that is not a GET is
 * refused with 403: the join endpoint acts on the cookie, so a cross-site form must not reach it.
 * Requests without an Origin header (curl, other services) pass.
 */
export function allowOrigins(fastify: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  fastify.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    reply.header('vary', 'Origin');
    if (!allowed.has(origin)) {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      return reply.code(403).send({ ok: false, error: { code: 'FORBIDDEN', message: 'origin not allowed' } });
    }
    reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS') {
      return reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
        .send();
    }
  });
}

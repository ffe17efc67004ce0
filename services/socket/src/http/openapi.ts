import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** Where the document is served, below the API's `/v1` prefix. */
export const OPENAPI_PATH = '/openapi.json';

/** The version the document states: `@gamesocket/socket`'s (the contracts test checks they agree). */
export const OPENAPI_DOCUMENT_VERSION = '0.1.0';

const DESCRIPTION = `The HTTP API for backend services in any language: publish events into rooms, begin and end
memberships, close rooms, revoke users and tokens, disconnect users, set and read presence, cluster-wide in every
cluster mode. Enabled by PUBLISH_API_TOKEN (every route is 404 without it). Every route but this document needs
\`Authorization: Bearer <PUBLISH_API_TOKEN>\`. Bodies are JSON, at most 64 KiB. Errors are
\`{ ok: false, error: { code, message } }\` with the status of the code.`;

/**
 * Registers `@fastify/swagger` on `api` (the `/v1` scope, before its routes, so that it sees them and no route
 * outside the API) and serves the OpenAPI 3.1 document at `GET /v1/openapi.json`, without authentication.
 */
export async function registerOpenApi(api: FastifyInstance): Promise<void> {
  await api.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'gamesocket backend API', version: OPENAPI_DOCUMENT_VERSION, description: DESCRIPTION },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'PUBLISH_API_TOKEN' } },
      },
      security: [{ bearer: [] }],
    },
  });
  let document: string | undefined;
  api.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) => {
    document ??= JSON.stringify(api.swagger());
    return reply.type('application/json; charset=utf-8').send(document);
  });
}

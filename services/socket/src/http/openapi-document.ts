import Fastify from 'fastify';
import { registerBackendApi, type BackendApiDeps } from './backend-api.js';
import { OPENAPI_PATH } from './openapi.js';

/** Dependencies that are never called: building the document registers the routes and runs none of them. */
const unused = new Proxy({} as BackendApiDeps, {
  get: (_target, name) => {
    if (name === 'token') return 'openapi-document-builder-token';
    throw new Error(`the OpenAPI document builder ran a route (${String(name)})`);
  },
});

/**
 * The backend API's OpenAPI document, as `GET /v1/openapi.json` serves it: the API registered on a fastify
 * instance of its own (nothing listens), its document read through the route. `npm run docs:contracts`
 * writes it to docs/openapi.json.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = Fastify({ logger: false });
  try {
    await registerBackendApi(app, unused);
    await app.ready();
    const res = await app.inject({ method: 'GET', url: `/v1${OPENAPI_PATH}` });
    if (res.statusCode !== 200) throw new Error(`GET /v1${OPENAPI_PATH} answered ${res.statusCode}`);
    return res.json<Record<string, unknown>>();
  } finally {
    await app.close();
  }
}

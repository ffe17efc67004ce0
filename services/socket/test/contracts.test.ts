/**
 * The machine-readable contracts (docs/openapi.json, docs/asyncapi.json): the committed files are what the code
 * generates (`npm run docs:contracts`), both are valid for real validators, the service serves the OpenAPI
 * document, and what the API answers matches the document without being changed by it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { validate } from '@readme/openapi-parser';
import { Value } from '@sinclair/typebox/value';
import Fastify from 'fastify';
import t from 'tap';
import {
  ASYNCAPI_DOCUMENT_VERSION,
  CLIENT_EVENT_CONTRACTS,
  EVENT_NAMES,
  asyncApiDocument,
  type TSchema,
} from '@gamesocket/protocol';
import { startService } from '@gamesocket/test-helpers';
import { ROUTE_SCHEMAS } from '../src/http/backend-api-schemas.js';
import { registerBackendApi, type BackendApiDeps } from '../src/http/backend-api.js';
import { OPENAPI_DOCUMENT_VERSION } from '../src/http/openapi.js';
import { openApiDocument } from '../src/http/openapi-document.js';
import { handlers } from '../src/events/handlers/index.js';

const ROOT = new URL('../../../', import.meta.url);
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8')) as Record<string, unknown>;
/** A deep copy to break on purpose. */
const copy = <T>(value: T): T => structuredClone(value);

const API_TOKEN = 'contracts-test-api-token';
/** Spectral's severities: 0 error, 1 warning (2 information and 3 hint do not fail). */
const FAILING = new Set([0, 1]);

async function asyncApiProblems(document: unknown): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(JSON.stringify(document));
  return diagnostics.filter((d) => FAILING.has(d.severity)).map((d) => `${d.path.join('.')}: ${d.message}`);
}

t.test('the committed documents are what the code generates', async (t) => {
  t.strictSame(readJson('docs/openapi.json'), await openApiDocument(), 'docs/openapi.json: run npm run docs:contracts');
  t.strictSame(readJson('docs/asyncapi.json'), asyncApiDocument(), 'docs/asyncapi.json: run npm run docs:contracts');
  const version = (path: string): unknown => readJson(path).version;
  t.equal(OPENAPI_DOCUMENT_VERSION, version('services/socket/package.json'), "OpenAPI: @gamesocket/socket's version");
  t.equal(ASYNCAPI_DOCUMENT_VERSION, version('packages/protocol/package.json'), "AsyncAPI: the protocol's version");
});

t.test('docs/openapi.json is a valid OpenAPI 3.1 document', async (t) => {
  const document = readJson('docs/openapi.json');
  const result = await validate(copy(document) as never);
  t.strictSame(result, { valid: true, warnings: [], specification: 'OpenAPI' }, 'valid, no warnings');

  const broken = copy(document) as { info: Record<string, unknown> };
  delete broken.info.version;
  t.equal((await validate(broken as never)).valid, false, 'the validator refuses a document without info.version');

  const paths = Object.keys(document.paths as object).sort();
  const routes = Object.keys(ROUTE_SCHEMAS).map((route) => route.split(' ')[1]!.replace(/:(\w+)/g, '{$1}'));
  t.strictSame(paths, [...new Set(routes.map((path) => `/v1${path}`))].sort(), 'every /v1 route, and only those');
});

t.test('docs/asyncapi.json is a valid AsyncAPI 3 document covering the catalogue', async (t) => {
  const document = readJson('docs/asyncapi.json');
  t.strictSame(await asyncApiProblems(document), [], 'no error or warning');

  const broken = copy(document) as { components: { messages: Record<string, unknown> } };
  delete broken.components.messages['client.room.join'];
  t.not((await asyncApiProblems(broken)).length, 0, 'the parser refuses a dangling message reference');

  const messages = Object.values((document.components as { messages: object }).messages) as { name: string }[];
  const named = new Set(messages.map((message) => message.name));
  t.strictSame(
    EVENT_NAMES.filter((event) => !named.has(event)),
    [],
    'every event of the catalogue has a message',
  );
});

t.test("the client events' contracts name the handlers' auth requirement", async (t) => {
  t.strictSame(Object.keys(CLIENT_EVENT_CONTRACTS).sort(), Object.keys(handlers).sort(), 'one contract per handler');
  for (const [event, contract] of Object.entries(CLIENT_EVENT_CONTRACTS)) {
    t.equal(
      contract.auth,
      (handlers as Record<string, { auth: boolean } | undefined>)[event]?.auth,
      `${event}: auth ${String(contract.auth)}`,
    );
  }
});

t.test('the service serves the document without the bearer token, only with the API on', async (t) => {
  const on = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  const res = await fetch(`${on.url}/v1/openapi.json`, { signal: AbortSignal.timeout(5000) });
  t.equal(res.status, 200, 'GET /v1/openapi.json is 200 without Authorization');
  t.match(res.headers.get('content-type') ?? '', /^application\/json/, 'as JSON');
  t.strictSame(await res.json(), readJson('docs/openapi.json'), 'the committed document');

  const off = await startService(t);
  const none = await fetch(`${off.url}/v1/openapi.json`, { signal: AbortSignal.timeout(5000) });
  t.equal(none.status, 404, 'no document when PUBLISH_API_TOKEN is unset');
});

/** One call of the API and the route whose documented answer it must match. */
interface Call {
  route: keyof typeof ROUTE_SCHEMAS;
  url: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
}

t.test("each answer matches the route's documented schema for its status", async (t) => {
  const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  const until = Date.now() + 60_000;
  const calls: Call[] = [
    { route: 'POST /publish', url: '/v1/publish', body: { to: 'lobby', event: 'lobby:stats', data: {} }, status: 202 },
    { route: 'POST /join', url: '/v1/join', body: { user: 'u1', rooms: ['room:1', 'lobby'] }, status: 202 },
    { route: 'GET /rooms/:room/members', url: '/v1/rooms/room%3A1/members', status: 200 },
    { route: 'POST /leave', url: '/v1/leave', body: { user: 'u1', rooms: 'room:1' }, status: 202 },
    { route: 'POST /join', url: '/v1/join', body: { user: 'u2', rooms: 'match:7' }, status: 202 },
    { route: 'DELETE /rooms/:room', url: '/v1/rooms/match%3A7', status: 200 },
    { route: 'POST /status', url: '/v1/status', body: { user: 'u1', status: 'away' }, status: 202 },
    { route: 'GET /presence/:userId', url: '/v1/presence/u1', status: 200 },
    { route: 'GET /presence', url: '/v1/presence?users=u1,u2', status: 200 },
    { route: 'POST /revoke', url: '/v1/revoke', body: { user: 'u3', until }, status: 202 },
    { route: 'POST /revoke', url: '/v1/revoke', body: { user: 'u3', jti: 'j1', until }, status: 202 },
    { route: 'POST /disconnect', url: '/v1/disconnect', body: { user: 'u1' }, status: 202 },
    // Errors, each in the envelope the document gives its status.
    { route: 'POST /publish', url: '/v1/publish', body: { to: 'nowhere', event: 'lobby:stats' }, status: 400 },
    { route: 'GET /rooms/:room/members', url: '/v1/rooms/lobby/members', status: 400 },
    { route: 'GET /presence', url: '/v1/presence?users=a,b%20c', status: 400 },
    { route: 'POST /join', url: '/v1/join', body: { user: 'u1', rooms: 'room:1' }, headers: {}, status: 401 },
    {
      route: 'POST /disconnect',
      url: '/v1/disconnect',
      body: { user: 'u1' },
      headers: { authorization: 'Bearer nope' },
      status: 403,
    },
    {
      route: 'POST /publish',
      url: '/v1/publish',
      body: { to: 'lobby', event: 'lobby:stats', data: 'x'.repeat(70_000) },
      status: 413,
    },
    { route: 'GET /presence/:userId', url: `/v1/presence/${'u'.repeat(600)}`, status: 414 },
    {
      route: 'POST /status',
      url: '/v1/status',
      raw: 'user=u1',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
    },
  ];
  for (const call of calls) {
    const method = call.route.split(' ')[0]!;
    const headers = call.headers ?? { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
    const body = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
    const res = await fetch(`${service.url}${call.url}`, {
      method,
      headers: body === undefined ? { authorization: headers.authorization ?? '' } : headers,
      body,
      signal: AbortSignal.timeout(5000),
    });
    const answer: unknown = await res.json();
    t.equal(res.status, call.status, `${method} ${call.url.slice(0, 60)} -> ${call.status}`);
    const responses = ROUTE_SCHEMAS[call.route].response as Record<number, TSchema>;
    const schema = responses[res.status];
    t.ok(schema, `${call.route} documents ${res.status}`);
    if (schema !== undefined)
      t.ok(Value.Check(schema, answer), `${call.route} ${res.status}: ${JSON.stringify(answer).slice(0, 120)}`);
  }
});

t.test('response schemas do not change what the API sends: fields they do not list go out too', async (t) => {
  const presence = { userId: 'u1', online: true, connections: 2, status: 'away', extra: { kept: [1, 2] } };
  const deps = {
    token: API_TOKEN,
    unavailableReason: () => undefined,
    presence: { getMany: async () => [presence], members: async () => [{ userId: 'u1', since: 5 }] },
  } as unknown as BackendApiDeps;
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  await registerBackendApi(app, deps);
  const headers = { authorization: `Bearer ${API_TOKEN}` };

  const one = await app.inject({ method: 'GET', url: '/v1/presence/u1', headers });
  t.equal(one.statusCode, 200);
  t.equal(one.body, JSON.stringify(presence), 'exactly what the handler returned, byte for byte');
  const members = await app.inject({ method: 'GET', url: '/v1/rooms/room%3A1/members', headers });
  t.strictSame(members.json(), { room: 'room:1', members: [{ userId: 'u1', since: 5 }] }, 'unlisted fields kept');
});

import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { REDACTED_PATHS, createLogger } from '../src/core/logger.js';
import { TEST_ORIGIN, TEST_SECRET, WAIT_MS, connectClient, eventually, mintToken } from '@gamesocket/test-helpers';

/** A writable destination that keeps every line pino writes. */
function collector(): { stream: Writable; text(): string; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const COOKIE = 'accessToken=secret';
const AUTHORIZATION = 'Bearer x';

t.test('createLogger redacts cookie and authorization headers and tags lines with the node id', async (t) => {
  const out = collector();
  const log = createLogger({ level: 'info', nodeId: 'n1' }, out.stream);
  const headers = { cookie: COOKIE, authorization: AUTHORIZATION, 'user-agent': 'tap' };
  log.info({ req: { headers: { ...headers } } }, 'req headers');
  log.info({ headers: { ...headers } }, 'bare headers');
  log.info({ handshake: { headers: { ...headers } } }, 'handshake headers');
  log.info({ cookie: COOKIE, authorization: AUTHORIZATION, token: 'secret-token' }, 'top-level fields');
  await eventually(() => out.lines().length === 4, WAIT_MS, 'four log lines');

  const text = out.text();
  t.notMatch(text, 'secret', 'no cookie value or token anywhere');
  t.notMatch(text, AUTHORIZATION, 'no authorization value anywhere');
  t.match(text, '[redacted]', 'the censor is written');

  const [req, bare, handshake, top] = out.lines();
  for (const line of [req, bare, handshake, top]) {
    t.equal(line?.nodeId, 'n1', `nodeId on "${String(line?.msg)}"`);
    t.equal(line?.level, 30, 'at info');
  }
  const redacted = { cookie: '[redacted]', authorization: '[redacted]', 'user-agent': 'tap' };
  t.same(req?.req, { headers: redacted }, 'req.headers: cookie and authorization redacted, the rest kept');
  t.same(bare?.headers, redacted, 'headers: cookie and authorization redacted');
  t.same(handshake?.handshake, { headers: redacted }, 'handshake.headers: cookie and authorization redacted');
  t.equal(top?.cookie, '[redacted]', 'a top-level cookie field');
  t.equal(top?.authorization, '[redacted]', 'a top-level authorization field');
  t.equal(top?.token, '[redacted]', 'a top-level token field');
  t.equal(req?.msg, 'req headers', 'the message itself is kept');
});

t.test('the logged objects are not mutated by redaction', async (t) => {
  const out = collector();
  const log = createLogger({ level: 'info', nodeId: 'n1' }, out.stream);
  const req = { headers: { cookie: COOKIE, authorization: AUTHORIZATION } };
  log.info({ req }, 'once');
  t.equal(req.headers.cookie, COOKIE, 'the caller still has its cookie');
  t.equal(req.headers.authorization, AUTHORIZATION, 'and its authorization header');
  t.match(out.text(), '[redacted]', 'while the line is redacted');
});

t.test('createLogger honours the level', async (t) => {
  const out = collector();
  const log = createLogger({ level: 'warn', nodeId: 'n2' }, out.stream);
  log.info('dropped');
  log.debug('dropped');
  log.warn('kept');
  await eventually(() => out.lines().length >= 1, WAIT_MS, 'a log line');
  t.same(
    out.lines().map((line) => line.msg),
    ['kept'],
    'only the warn line is written',
  );
  t.ok(REDACTED_PATHS.includes('req.headers.cookie'), 'the request cookie path is in the redaction list');
});

t.test('a running service at debug level never logs a token or an authorization header', async (t) => {
  const out = collector();
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    JWT_SECRET: TEST_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ID: 'log-node',
    ALLOWED_ORIGINS: TEST_ORIGIN,
  });
  const log = createLogger({ level: config.logLevel, nodeId: config.nodeId }, out.stream);
  const app = await buildApp(config, { log });
  t.teardown(() => app.close());
  await app.fastify.listen({ port: config.port, host: config.host });
  const url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;

  const invalidToken = await mintToken(
    { sub: 'u1', username: 'alice' },
    { key: 'another-secret-of-at-least-32-bytes!!' },
  );
  const validToken = await mintToken({ sub: 'u2', username: 'bob' });
  const bearer = 'Bearer backend-credential-0123456789';

  const invalid = await connectClient(t, url, { token: invalidToken });
  t.equal(invalid.connected.auth, 'invalid', 'the invalid token was seen and refused');
  const polling = await connectClient(t, url, { token: invalidToken, transports: ['polling'] });
  t.equal(polling.connected.auth, 'invalid', 'the same over long-polling');
  const valid = await connectClient(t, url, { token: validToken });
  t.equal(valid.connected.auth, 'ok', 'a valid token connects');

  for (const path of ['/healthz', '/readyz', '/no-such-route', `/no-such-route?x=1`]) {
    const res = await fetch(`${url}${path}`, {
      headers: { cookie: `accessToken=${validToken}; other=1`, authorization: bearer },
      signal: AbortSignal.timeout(WAIT_MS),
    });
    t.ok(res.status === 200 || res.status === 404, `GET ${path} answered (${res.status})`);
    await res.arrayBuffer();
  }

  // Something must actually have been logged at debug, or the assertions below prove nothing.
  await eventually(
    () => out.lines().some((line) => line.msg === 'handshake token rejected'),
    WAIT_MS,
    'the debug line of the rejected handshake',
  );
  await eventually(() => out.lines().some((line) => line.msg === 'request completed'), WAIT_MS, 'a request log line');
  const text = out.text();
  t.match(text, /"nodeId":"log-node"/, 'lines carry the node id');

  const secrets: [string, string][] = [
    ['the invalid token', invalidToken],
    ['the invalid token signature', invalidToken.split('.')[2] ?? invalidToken],
    ['the valid token', validToken],
    ['the valid token signature', validToken.split('.')[2] ?? validToken],
    ['the authorization value', bearer],
    ['the bearer credential', 'backend-credential-0123456789'],
  ];
  for (const [what, secret] of secrets) {
    t.notOk(text.includes(secret), `${what} is never logged`);
  }
  t.notOk(text.includes('accessToken='), 'no cookie header text is logged');
});

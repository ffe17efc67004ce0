import { createServer, type AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { jwtVerify } from 'jose';
import type { Env } from '../src/config/config.js';
import {
  TEST_ORIGIN,
  TEST_SECRET,
  type Teardown,
  WAIT_MS,
  connectClient,
  mintToken,
  startService,
  withTimeout,
} from '@gamesocket/test-helpers';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Bound of a spawned process's boot or exit (startup of a fresh node process under a loaded test run). */
const PROCESS_MS = 15_000;
const SECRET_40 = 'production-secret-of-forty-characters-00';
// Production's room ticket key: a key of its own.
const TICKET_SECRET_40 = 'production-ticket-key-of-forty-chars-000';

// The built entry, spawned as a real process (loadConfig on its own: unit/config.test.ts).

/** One parsed pino line. */
type LogLine = Record<string, unknown> & { msg?: string };

interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Every stdout line that parsed as JSON, in order. */
  logs: LogLine[];
  /** Settles when the process has exited and its stdio is closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (already seen or future) matching `predicate`; bounded. */
  waitForLog(predicate: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** Waits for the exit, bounded: on timeout the child is killed and the wait fails. */
  waitForExit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node dist/main.js` with exactly `env` on top of PATH and HOME; killed at teardown if still running. */
function spawnService(t: Teardown, env: Env): Spawned {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  const child = spawn(process.execPath, [MAIN], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let pending = '';
  const logs: LogLine[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  t.teardown(() => {
    if (running()) child.kill('SIGKILL');
  });

  const spawned: Spawned = {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    waitForLog(predicate, what, timeoutMs = PROCESS_MS) {
      const seen = logs.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      const found = new Promise<LogLine>((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`process exited (code ${code}, signal ${signal}) before ${what}; stderr: ${err}`)),
        );
      });
      return withTimeout(found, timeoutMs, `${what} (stdout so far: ${out})`);
    },
    async waitForExit(timeoutMs = PROCESS_MS) {
      try {
        return await withTimeout(exited, timeoutMs, 'process exit');
      } catch (error) {
        child.kill('SIGKILL');
        throw error;
      }
    },
  };
  return spawned;
}

/** Starts a valid process and returns it with its base URL, read from fastify's "Server listening at" line. */
async function bootService(t: Teardown, env: Env): Promise<{ proc: Spawned; url: string; ready: LogLine }> {
  const proc = spawnService(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const ready = await proc.waitForLog((line) => line.msg === 'gamesocket listening', 'gamesocket listening');
  const listening = proc.logs.find((line) => typeof line.msg === 'string' && line.msg.startsWith('Server listening'));
  const match = /^Server listening at (http:\/\/127\.0\.0\.1:(\d+))$/.exec(listening?.msg ?? '');
  if (match === null || match[1] === undefined) throw new Error(`no listening line in: ${proc.stdout()}`);
  return { proc, url: match[1], ready };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, signal: AbortSignal.timeout(WAIT_MS) });
}

t.test('the built entry exists (npm test builds it; else run `npx tsc -b tsconfig.build.json`)', async (t) => {
  t.ok(existsSync(MAIN), MAIN);
});

const bootFailures: [string, Env, string][] = [
  ['PORT=abc', { PORT: 'abc' }, 'PORT'],
  ['JWT_SECRET=short', { JWT_SECRET: 'short' }, 'JWT_SECRET'],
  [
    'NODE_ENV=production without JWT config',
    { NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://game.example.com' },
    'JWT_SECRET',
  ],
  ['NODE_ENV=production without ALLOWED_ORIGINS', { NODE_ENV: 'production', JWT_SECRET: SECRET_40 }, 'ALLOWED_ORIGINS'],
  [
    'NODE_ENV=production without ROOM_TICKET_SECRET',
    { NODE_ENV: 'production', JWT_SECRET: SECRET_40, ALLOWED_ORIGINS: 'https://game.example.com' },
    'ROOM_TICKET_SECRET',
  ],
  [
    'NODE_ENV=production with ROOM_TICKET_SECRET = JWT_SECRET',
    {
      NODE_ENV: 'production',
      JWT_SECRET: SECRET_40,
      ROOM_TICKET_SECRET: SECRET_40,
      ALLOWED_ORIGINS: 'https://game.example.com',
    },
    'ROOM_TICKET_SECRET',
  ],
  ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ['ALLOWED_ORIGINS=nope', { ALLOWED_ORIGINS: 'nope' }, 'ALLOWED_ORIGINS'],
  ['JWT_JWKS_URL=ftp://', { JWT_JWKS_URL: 'ftp://auth.example.com/jwks.json' }, 'JWT_JWKS_URL'],
  ['MAX_PAYLOAD_BYTES=10', { MAX_PAYLOAD_BYTES: '10' }, 'MAX_PAYLOAD_BYTES'],
  ['ADAPTER=redis without REDIS_URL', { ADAPTER: 'redis' }, 'ADAPTER'],
  ['REDIS_URL=http://x', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
  ['HOST=a b', { HOST: 'a b' }, 'HOST'],
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318',
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
    'OTEL_EXPORTER_OTLP_ENDPOINT',
  ],
];

for (const [name, env, variable] of bootFailures) {
  t.test(`a process with ${name} exits 1 with one stderr line naming ${variable}`, async (t) => {
    const proc = spawnService(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
    const { code, signal } = await proc.waitForExit();
    t.equal(code, 1, 'exit code 1');
    t.equal(signal, null, 'not killed by a signal');
    const stderr = proc.stderr();
    const lines = stderr.split('\n');
    t.equal(lines.length, 2, `exactly one line, newline-terminated: ${JSON.stringify(stderr)}`);
    t.equal(lines[1], '', 'ends with a newline');
    t.ok((lines[0] ?? '').trim().length > 0, 'the line is not empty');
    t.match(lines[0], variable, `the line names ${variable}`);
    t.equal(proc.stdout(), '', 'nothing on stdout: the service never started');
  });
}

t.test('a port already in use exits 1 with one stderr line', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  const port = String((holder.address() as AddressInfo).port);
  const proc = spawnService(t, { PORT: port, HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const { code } = await proc.waitForExit();
  t.equal(code, 1, 'exit code 1');
  const lines = proc.stderr().split('\n');
  t.equal(lines.length, 2, 'exactly one line');
  t.match(lines[0], `cannot listen on 127.0.0.1:${port}`);
});

t.test('a valid production process serves, refuses dev auth and exits 0 on SIGTERM', async (t) => {
  const { proc, url, ready } = await bootService(t, {
    NODE_ENV: 'production',
    JWT_SECRET: SECRET_40,
    ROOM_TICKET_SECRET: TICKET_SECRET_40,
    ALLOWED_ORIGINS: `https://game.example.com,${TEST_ORIGIN}`,
    NODE_ID: 'prod-1',
  });
  t.equal(ready.level, 30, 'logged at info');
  t.equal(ready.nodeId, 'prod-1', 'nodeId');
  t.equal(ready.devAuth, false, 'the listening line says dev auth is off');
  t.notOk(
    proc.logs.some((line) => /dev auth/i.test(line.msg ?? '')),
    'no dev-auth warning in production',
  );

  const health = await get(`${url}/healthz`);
  t.equal(health.status, 200, 'GET /healthz');
  t.same(await health.json(), { status: 'ok' });
  const ready2 = await get(`${url}/readyz`);
  t.equal(ready2.status, 200, 'GET /readyz while running');

  for (const path of ['/dev/login?username=x', '/dev/logout', '/']) {
    const res = await get(`${url}${path}`);
    t.equal(res.status, 404, `GET ${path} is 404 in production`);
    t.notOk(res.headers.get('set-cookie'), `GET ${path} sets no cookie`);
    await res.arrayBuffer();
  }
  // serveClient is off outside dev auth: Engine.IO answers the path itself (400 "Transport unknown").
  const clientScript = await get(`${url}/socket.io/socket.io.js`);
  t.not(clientScript.status, 200, `GET /socket.io/socket.io.js is not served in production (${clientScript.status})`);
  t.notMatch(clientScript.headers.get('content-type') ?? '', /javascript/, 'no JavaScript');
  await clientScript.arrayBuffer();

  proc.child.kill('SIGTERM');
  const { code, signal } = await proc.waitForExit();
  t.equal(code, 0, 'exit code 0 after SIGTERM');
  t.equal(signal, null, 'exited by itself, not killed');
  t.ok(
    proc.logs.some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM'),
    'logged the start of the shutdown',
  );
  t.ok(
    proc.logs.some((line) => line.msg === 'bye'),
    'logged the end of the shutdown',
  );
});

t.test('SIGTERM with a connected websocket client still exits 0, and the client is disconnected', async (t) => {
  const { proc, url } = await bootService(t, {
    NODE_ENV: 'production',
    JWT_SECRET: SECRET_40,
    ROOM_TICKET_SECRET: TICKET_SECRET_40,
    ALLOWED_ORIGINS: TEST_ORIGIN,
    NODE_ID: 'prod-2',
  });
  const token = await mintToken({ sub: 'u1', username: 'alice', role: 'player' }, { key: SECRET_40 });
  const user = await connectClient(t, url, { token });
  t.equal(user.connected.auth, 'ok', 'a token signed with JWT_SECRET is accepted');
  t.equal(user.connected.nodeId, 'prod-2');
  t.same(user.connected.user, { userId: 'u1', username: 'alice', role: 'player' });
  const anonymous = await connectClient(t, url, { transports: ['polling'] });
  t.equal(anonymous.connected.auth, 'anonymous', 'a long-polling client without a token connects as anonymous');

  const disconnects = [user.socket, anonymous.socket].map(
    (socket) =>
      new Promise<string>((resolve) => {
        socket.once('disconnect', (reason) => resolve(reason));
      }),
  );
  proc.child.kill('SIGTERM');
  const { code, signal } = await proc.waitForExit();
  t.equal(code, 0, 'exit code 0 after SIGTERM despite open connections');
  t.equal(signal, null, 'exited by itself, not killed');
  t.notOk(
    proc.logs.some((line) => line.msg === 'shutdown timed out'),
    'the shutdown did not hit its own timeout',
  );
  const reasons = await withTimeout(Promise.all(disconnects), WAIT_MS, 'client disconnects');
  for (const reason of reasons) {
    t.not(reason, 'io client disconnect', `the server closed the connection (${reason})`);
    t.not(reason, 'io server disconnect', `not a server-side kick that would stop auto-reconnect (${reason})`);
  }
  t.notOk(user.socket.connected, 'the websocket client is no longer connected');
  t.notOk(anonymous.socket.connected, 'the polling client is no longer connected');
});

t.test(
  'a dev-mode process (no NODE_ENV, no JWT config) offers dev login, the demo page and the client script',
  async (t) => {
    const { proc, url, ready } = await bootService(t, {});
    t.equal(ready.devAuth, true, 'the listening line says dev auth is on');
    t.ok(
      proc.logs.some((line) => line.level === 40 && /dev auth is on/.test(line.msg ?? '')),
      'a warning says dev auth is on',
    );

    const login = await get(`${url}/dev/login?username=alice`);
    t.equal(login.status, 200, 'GET /dev/login?username=alice');
    t.same(await login.json(), { ok: true, data: { userId: 'alice', username: 'alice', expiresIn: 3600 } });
    const setCookie = login.headers.getSetCookie();
    t.equal(setCookie.length, 1, 'one Set-Cookie');
    const cookie = setCookie[0] ?? '';
    const token = /^accessToken=([^;]+);/.exec(cookie)?.[1];
    t.ok(token, `an accessToken cookie: ${cookie}`);
    t.match(cookie, /;\s*HttpOnly(;|$)/i, 'HttpOnly');
    t.match(cookie, /;\s*SameSite=Lax(;|$)/i, 'SameSite=Lax');
    t.match(cookie, /;\s*Path=\/(;|$)/i, 'Path=/');

    const alice = await connectClient(t, url, { cookie: `accessToken=${token}`, origin: 'http://localhost:5173' });
    t.equal(alice.connected.auth, 'ok', 'the dev cookie authenticates the socket');
    t.same(alice.connected.user, { userId: 'alice', username: 'alice', role: 'player' });

    const foreign = await connectClient(t, url, { token: await mintToken({ sub: 'mallory', username: 'mallory' }) });
    t.equal(foreign.connected.auth, 'invalid', 'a token not signed with the per-boot dev secret is invalid');

    const page = await get(`${url}/`);
    t.equal(page.status, 200, 'GET /');
    t.match(page.headers.get('content-type') ?? '', /^text\/html/, 'HTML');
    const html = await page.text();
    t.match(html, /^<!doctype html>/i, 'an HTML document');
    t.match(html, /gamesocket/, 'the demo page');

    const script = await get(`${url}/socket.io/socket.io.js`);
    t.equal(script.status, 200, 'GET /socket.io/socket.io.js');
    t.match(script.headers.get('content-type') ?? '', /javascript/, 'JavaScript');
    t.match(await script.text(), /Socket\.IO v4/, 'the Socket.IO client bundle');

    const max = await get(`${url}/dev/login?username=${'a'.repeat(32)}`);
    t.equal(max.status, 200, 'a 32-character username is accepted');
    await max.arrayBuffer();
    for (const [what, query] of [
      ['a space', '?username=a%20b'],
      ['40 characters', `?username=${'a'.repeat(40)}`],
      ['a slash', '?username=a%2Fb'],
      ['an empty username', '?username='],
      ['no username', ''],
    ]) {
      const res = await get(`${url}/dev/login${query}`);
      t.equal(res.status, 400, `/dev/login with ${what} is 400`);
      t.notOk(res.headers.get('set-cookie'), `/dev/login with ${what} sets no cookie`);
      const body = (await res.json()) as { ok: boolean; error?: { code: string } };
      t.equal(body.ok, false, 'ok');
      t.equal(body.error?.code, 'INVALID_PAYLOAD', `/dev/login with ${what}: INVALID_PAYLOAD`);
    }

    const logout = await get(`${url}/dev/logout`);
    t.equal(logout.status, 200, 'GET /dev/logout');
    t.match(logout.headers.get('set-cookie') ?? '', /^accessToken=;/, 'clears the cookie');
    await logout.arrayBuffer();

    proc.child.kill('SIGTERM');
    const { code } = await proc.waitForExit();
    t.equal(code, 0, 'exit code 0 after SIGTERM');
  },
);

t.test('dev auth is off with a JWT_SECRET even outside production (in-process)', async (t) => {
  const { url } = await startService(t);
  for (const path of ['/dev/login?username=alice', '/']) {
    const res = await get(`${url}${path}`);
    t.equal(res.status, 404, `GET ${path} is 404`);
    t.notOk(res.headers.get('set-cookie'), `GET ${path} sets no cookie`);
    await res.arrayBuffer();
  }
});

t.test('DEV_LOGIN=true with JWT_SECRET: /dev/login signs with it (issuer, audience) and serves the demo', async (t) => {
  const env = { DEV_LOGIN: 'true', JWT_ISSUER: 'auth.test', JWT_AUDIENCE: 'game' };
  const { url, app } = await startService(t, env);
  t.equal(app.config.devLogin, true);
  const login = await get(`${url}/dev/login?username=carol`);
  t.equal(login.status, 200, 'status');
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const token = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_SECRET), {
    algorithms: ['HS256'],
    issuer: 'auth.test',
    audience: 'game',
  });
  t.equal(payload.sub, 'carol', 'a token any service holding JWT_SECRET accepts (the example backend does)');
  const { connected } = await connectClient(t, url, { cookie });
  t.equal(connected.auth, 'ok', 'the socket service accepts it');
  t.equal(connected.user?.username, 'carol');
  const page = await get(`${url}/`);
  t.equal(page.status, 200, 'GET / serves the demo page');
  t.match(await page.text(), /<script type="module" src="\/demo\.js">/, 'which loads the bundle');
  const bundle = await get(`${url}/demo.js`);
  t.equal(bundle.status, 200, 'GET /demo.js serves the bundle (built by npm run build)');
  t.match(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
  t.ok((await bundle.text()).length > 1000, 'a real bundle');
});

t.test('dev auth in-process (JWT_SECRET empty = unset): the cookie from /dev/login authenticates', async (t) => {
  const { url, app } = await startService(t, { JWT_SECRET: '', AUTH_COOKIE: 'gs_token' });
  t.equal(app.config.devAuth, true);
  const login = await get(`${url}/dev/login?username=bob.b-1_x`);
  t.equal(login.status, 200, 'status');
  const cookie = login.headers.getSetCookie()[0] ?? '';
  t.match(cookie, /^gs_token=[^;]+;/, 'the cookie uses AUTH_COOKIE');
  const { connected } = await connectClient(t, url, { cookie: cookie.split(';')[0] });
  t.equal(connected.auth, 'ok', 'auth');
  t.equal(connected.user?.username, 'bob.b-1_x');
  t.equal(connected.user?.role, 'player');
});

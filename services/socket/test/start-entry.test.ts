/**
 * `npm start`'s entry (dist/start.js) runs the example backend beside the service only for the dev demo: dev auth,
 * which is in memory and never in production. Every other configuration gets the socket service alone, as the
 * production entry (dist/main.js) always does.
 */
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { WAIT_MS, spawnLogged, withTimeout, type TapTest } from '@gamesocket/test-helpers';
import { loadConfig, type Env } from '../src/config/config.js';
import { EXAMPLE_BACKEND_PORT, embedsExampleBackend, exampleBackendPort } from '../src/example-backend.js';

const START_JS = fileURLToPath(new URL('../dist/start.js', import.meta.url));
const SECRET = 'start-entry-test-secret-of-at-least-32-bytes';
const PRODUCTION: Env = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  ROOM_TICKET_SECRET: `${SECRET}-tickets`,
  ALLOWED_ORIGINS: 'https://game.example',
};

/** Runs start.js with `env` over PATH and HOME (free ports); stops it with SIGTERM once it logged `stopAt`. */
async function runOnce(
  t: TapTest,
  env: Env,
  stopAt = 'gamesocket listening',
): Promise<{ code: number | null; logged: Record<string, unknown>[]; stderr: string }> {
  const proc = spawnLogged(t, process.execPath, [START_JS], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
  });
  void proc
    .waitFor((entry) => String(entry.msg).startsWith(stopAt), stopAt)
    .then(
      () => proc.kill('SIGTERM'),
      () => undefined, // it exited on its own (a refused configuration): what it logged is checked below
    );
  // Every line is in once the process has exited: what it did not log, it did not do.
  const code = await withTimeout(proc.exited, WAIT_MS * 6, 'start.js to listen and stop');
  return { code, logged: proc.logged, stderr: proc.stderr() };
}

const backendStarted = (logged: Record<string, unknown>[]): boolean =>
  logged.some((entry) => String(entry.msg).startsWith('example backend listening'));

t.test('only the dev demo runs the example backend in process', async (t) => {
  t.equal(embedsExampleBackend(loadConfig({})), true, 'no configuration: dev auth, in memory');
  t.equal(embedsExampleBackend(loadConfig({ JWT_SECRET: SECRET })), false, 'a JWT_SECRET: not the dev demo');
  t.equal(embedsExampleBackend(loadConfig({ JWT_SECRET: SECRET, DEV_LOGIN: 'true' })), false, 'DEV_LOGIN neither');
  t.equal(embedsExampleBackend(loadConfig(PRODUCTION)), false, 'never with NODE_ENV=production');
});

t.test('LOBBY_EXAMPLE_PORT: 3100 by default, any port, one line naming it when bad', async (t) => {
  t.equal(exampleBackendPort({}), EXAMPLE_BACKEND_PORT);
  t.equal(EXAMPLE_BACKEND_PORT, 3100, "the demo page's default");
  t.equal(exampleBackendPort({ LOBBY_EXAMPLE_PORT: '0' }), 0, '0 = a free port');
  t.equal(exampleBackendPort({ LOBBY_EXAMPLE_PORT: '4100' }), 4100);
  for (const bad of ['abc', '-1', '70000', '1.5']) {
    t.throws(() => exampleBackendPort({ LOBBY_EXAMPLE_PORT: bad }), /^LOBBY_EXAMPLE_PORT must be/, bad);
  }
});

t.test('with NODE_ENV=production, start.js runs the socket service alone', async (t) => {
  const { code, logged, stderr } = await runOnce(t, PRODUCTION);
  t.match(
    logged.find((entry) => entry.msg === 'gamesocket listening'),
    { devAuth: false },
  );
  t.equal(backendStarted(logged), false, 'no example backend');
  t.equal(code, 0, 'stopped cleanly');
  t.equal(stderr, '');
});

t.test('with no configuration, start.js runs the example backend beside the service', async (t) => {
  const { code, logged, stderr } = await runOnce(t, { LOBBY_EXAMPLE_PORT: '0' }, 'example backend listening');
  t.ok(backendStarted(logged), 'the example backend listened');
  t.equal(code, 0, 'SIGTERM stops both');
  t.equal(stderr, '');
});

t.test('a bad LOBBY_EXAMPLE_PORT exits 1 with one line naming it', async (t) => {
  const { code, stderr } = await runOnce(t, { LOBBY_EXAMPLE_PORT: 'abc' });
  t.equal(code, 1);
  t.equal(stderr, 'gamesocket: invalid config: LOBBY_EXAMPLE_PORT must be an integer from 0 to 65535 (got "abc")\n');
});

t.test('an example backend port in use exits 1 with one line naming LOBBY_EXAMPLE_PORT', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const { port } = taken.address() as AddressInfo;
  // Not stopped: it exits by itself.
  const { code, stderr } = await runOnce(t, { LOBBY_EXAMPLE_PORT: String(port) }, 'never logged');
  t.equal(code, 1);
  t.match(
    stderr,
    new RegExp(
      `^gamesocket: cannot start beside the service: the example backend cannot start on 127\\.0\\.0\\.1:${port} \\(LOBBY_EXAMPLE_PORT\\): .*EADDRINUSE`,
    ),
  );
  t.equal(stderr.split('\n').filter((line) => line !== '').length, 1, 'one line');
});

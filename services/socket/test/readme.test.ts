import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/config.js';
import { WAIT_MS, spawnLogged, withTimeout } from '@gamesocket/test-helpers';

// The README's config table is checked against the config declaration by test/unit/config-table.test.ts.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

t.test(
  "npm start, the README's first command, serves the built service on its defaults: dev auth, in memory",
  async (t) => {
    t.match(readme.slice(0, 1200), 'npm install && npm start', 'the README starts with it');
    // A clean environment: only what npm itself needs, and free ports instead of the default 3000 and 3100.
    // Its own process group: npm, its shell and the service are stopped together. npm's banner lines are not JSON.
    const npm = spawnLogged(t, 'npm', ['start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? ROOT,
        PORT: '0',
        HOST: '127.0.0.1',
        LOBBY_EXAMPLE_PORT: '0',
      },
      detached: true,
    });
    const listening = await npm.waitFor((entry) => entry.msg === 'gamesocket listening', 'npm start to listen');
    t.match(listening, { adapter: 'memory', devAuth: true }, 'in memory, with dev auth');
    const url = `http://127.0.0.1:${String(listening.port)}`;
    t.equal((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(WAIT_MS) })).status, 200, 'ready');
    const login = await fetch(`${url}/dev/login?username=alice`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(WAIT_MS),
    });
    t.match(login.headers.get('set-cookie'), /^accessToken=/, 'dev auth signs a player in');
    // SIGTERM to the group, as a container runtime stops it: npm dies of the signal, the service shuts down.
    npm.kill('SIGTERM');
    await withTimeout(npm.exited, WAIT_MS * 6, 'npm start and the service to stop');
    t.same(
      npm.logged.slice(-2).map((entry) => entry.msg),
      ['shutting down', 'bye'],
      'the service shut down cleanly on SIGTERM',
    );
  },
);

t.test(
  "npm test, the README's second command, runs lint, typecheck, the unit tier, then every other test",
  async (t) => {
    t.match(readme.slice(0, 1200), 'npm test', 'the README starts with it');
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const steps = (scripts.test ?? '').split('&&').map((step) => step.trim());
    const order = ['npm run lint', 'npm run typecheck', 'npm run test:unit', 'npm run test:integration'].map((step) =>
      steps.indexOf(step),
    );
    t.ok(
      order.every((index) => index >= 0),
      `each step is there: ${scripts.test}`,
    );
    t.same(
      [...order].sort((a, b) => a - b),
      order,
      'in this order',
    );
    t.equal(steps.at(-1), 'npm run test:integration', 'the integration tier last');

    // The files each tier's tap command selects (`tap list` with the same options), against every test file.
    const filesOf = (script: string | undefined): string[] => {
      t.match(script, /^tap( |$)/, `${script} is a tap run`);
      const listed = execFileSync('sh', ['-c', (script ?? '').replace(/^tap\b/, 'tap list')], {
        cwd: ROOT,
        // A clean environment: this test's own tap run passes its options (its --exclude too) down in TAP_* variables.
        env: { PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? ROOT },
        encoding: 'utf8',
        timeout: WAIT_MS * 6,
      });
      return listed
        .split('\n')
        .filter((line) => line !== '')
        .sort();
    };
    const unit = filesOf(scripts['test:unit']);
    const integration = filesOf(scripts['test:integration']);
    const all = filesOf('tap');
    t.ok(unit.length > 0, `${unit.length} unit test files`);
    t.same(
      unit.filter((file) => !/\/test\/unit\/[^/]+\.test\.ts$/.test(file)),
      [],
      'the unit tier runs only test/unit files',
    );
    t.same(
      integration.filter((file) => unit.includes(file)),
      [],
      'no file runs in both tiers',
    );
    t.same([...unit, ...integration].sort(), all, 'together they run every test file');
  },
);

t.test('every variable loadConfig reads is in CONFIG_VARIABLES (the documented list)', async (t) => {
  const read = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(env);
  const documented = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
  t.same(
    [...read].filter((name) => !documented.has(name)),
    [],
    'no undocumented variable',
  );
  t.same(
    [...documented].filter((name) => !read.has(name)),
    [],
    'no documented variable that is never read',
  );
});

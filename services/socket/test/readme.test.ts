import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/config.js';
import { WAIT_MS, withTimeout } from '@gamesocket/test-helpers/wait';

// The README's config table is checked against the config declaration by test/unit/config-table.test.ts.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

t.test(
  "npm start, the README's first command, serves the built service on its defaults: dev auth, in memory",
  async (t) => {
    t.match(readme.slice(0, 1200), 'npm install && npm start', 'the README starts with it');
    // A clean environment: only what npm itself needs, and free ports instead of the default 3000 and 3100.
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? ROOT,
        PORT: '0',
        HOST: '127.0.0.1',
        LOBBY_EXAMPLE_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npm, its shell and the service are stopped together.
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Closed once every process of the group holding its output (the service too) has exited.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    t.teardown(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-(child.pid ?? 0), 'SIGKILL');
      await exited;
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The service's log lines (pino JSON); npm's own banner lines are not JSON.
    const logged: Record<string, unknown>[] = [];
    const listening = await withTimeout(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines.filter((candidate) => candidate.startsWith('{'))) {
            const entry = JSON.parse(line) as Record<string, unknown>;
            logged.push(entry);
            if (entry.msg === 'gamesocket listening') resolve(entry);
          }
        });
        void exited.then((code) => reject(new Error(`npm start exited with ${code} before listening: ${stderr}`)));
      }),
      WAIT_MS * 6,
      'npm start to listen',
    );
    t.match(listening, { adapter: 'memory', devAuth: true }, 'in memory, with dev auth');
    const url = `http://127.0.0.1:${String(listening.port)}`;
    t.equal((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(WAIT_MS) })).status, 200, 'ready');
    const login = await fetch(`${url}/dev/login?username=alice`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(WAIT_MS),
    });
    t.match(login.headers.get('set-cookie'), /^accessToken=/, 'dev auth signs a player in');
    // SIGTERM to the group, as a container runtime stops it: npm dies of the signal, the service shuts down.
    process.kill(-(child.pid ?? 0), 'SIGTERM');
    await withTimeout(closed, WAIT_MS * 6, 'npm start and the service to stop');
    t.same(
      logged.slice(-2).map((entry) => entry.msg),
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

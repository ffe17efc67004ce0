/**
 * The demo with one command: the entry `npm start` runs, as a child process with nothing in its environment but
 * PATH, HOME and free ports, serves the demo page and runs the example backend in the same process (in memory, no
 * Redis). Two browser contexts (Chromium through playwright-core) play the lobby: sign in, create a room, join it,
 * ready up and chat; the pages show no error and the process logs none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Page } from 'playwright-core';
import { artifactsDir, launchChromium } from '@gamesocket/test-helpers/browser';
import { UI_MS, readyAndChat, signIn, textOf } from '@gamesocket/test-helpers/demo-page';
import { WAIT_MS, spawnLogged, withTimeout } from '@gamesocket/test-helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** pino's error level. */
const ERROR_LEVEL = 50;

/** The file the root package.json's `start` script runs (`node <file>`). */
function startEntry(): string {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const file = /^node (\S+\.js)$/.exec(scripts.start ?? '')?.[1];
  if (file === undefined) throw new Error(`scripts.start is not "node <file>.js": ${scripts.start}`);
  return join(ROOT, file);
}

t.test('npm start alone: two players create, join, ready up and chat, in one process, without Redis', async (t) => {
  const proc = spawnLogged(t, process.execPath, [startEntry()], {
    cwd: ROOT,
    // Nothing but what a shell has; port 0 = free ports (the page is pointed at the backend's below).
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? ROOT,
      PORT: '0',
      HOST: '127.0.0.1',
      LOBBY_EXAMPLE_PORT: '0',
    },
  });
  const service = await proc.waitFor((entry) => entry.msg === 'gamesocket listening', 'the service to listen');
  const backend = await proc.waitFor(
    (entry) => typeof entry.url === 'string' && String(entry.msg).startsWith('example backend listening'),
    'the example backend to listen',
  );
  const started = { service: `http://127.0.0.1:${String(service.port)}`, backend: String(backend.url) };
  t.match(service, { adapter: 'memory', devAuth: true }, 'in memory, with dev auth, no configuration');

  const browser = await launchChromium(t);
  const pageErrors: string[] = [];
  const open = async (): Promise<Page> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(UI_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // The page's default backend is its own host on port 3100; this run's is on a free port.
    await page.goto(`${started.service}/?lobby=${encodeURIComponent(started.backend)}`, { timeout: UI_MS });
    return page;
  };
  const alice = await open();
  const bob = await open();

  await t.test('both sign in and see each other', async (t) => {
    await signIn(alice, 'alice');
    await signIn(bob, 'bob');
    t.equal(await textOf(alice, '#me'), 'alice (auth: ok)');
    t.equal(await textOf(bob, '#me'), 'bob (auth: ok)');
    await alice.waitForSelector('#players li[data-user="bob"][data-online="true"]');
    t.pass('alice sees bob come online (lobby presence)');
    t.match(await textOf(alice, '#lobby-url'), started.backend, 'the page calls the backend from ?lobby=');
  });

  let roomId = '';
  await t.test('alice creates a room (an intent, in process); bob joins it through the backend', async (t) => {
    await alice.fill('#create-name', 'one command');
    await alice.click('#create-button');
    await alice.waitForSelector('#room:not([hidden]) #room-players li[data-user="alice"]');
    roomId = (await alice.getAttribute('#room', 'data-room')) ?? '';
    t.match(roomId, /^[0-9a-f]{8}$/, 'alice is in the new room');
    await bob.waitForSelector(`#rooms li[data-room="${roomId}"]`);
    t.match(await textOf(bob, `#rooms li[data-room="${roomId}"]`), /^one command — 1\/4/, 'bob sees it listed');
    await bob.click(`#rooms button[data-join="${roomId}"]`);
    await bob.waitForSelector(`#room[data-room="${roomId}"]:not([hidden]) #room-players li[data-user="alice"]`);
    t.pass('bob is in the room with alice');
    await alice.waitForSelector('#room-players li[data-user="bob"]');
    t.equal(await textOf(alice, '#room-name'), 'one command (2/4)', 'alice sees bob join');
  });

  await t.test('ready and chat reach both players', async (t) => {
    await readyAndChat(t, alice, bob);
  });

  await t.test('no page shows an error', async (t) => {
    for (const [page, who] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      const errors = await page.$$eval('.error', (items) =>
        items.map((item) => `${item.id}: ${item.textContent ?? ''}`.trim()).filter((text) => !text.endsWith(':')),
      );
      t.same(errors, [], `${who}: every error line is empty`);
    }
    const screenshot = join(artifactsDir(), 'demo-one-command-final.png');
    await alice.screenshot({ path: screenshot, fullPage: true, timeout: UI_MS });
    t.pass(`screenshot of the final state: ${screenshot}`);
  });

  t.same(pageErrors, [], 'no script errors in either page');
  proc.kill('SIGTERM');
  t.equal(await withTimeout(proc.exited, WAIT_MS * 6, 'the process to stop'), 0, 'SIGTERM stops both, exit 0');
  t.same(
    proc.logged.filter((entry) => Number(entry.level) >= ERROR_LEVEL),
    [],
    'nothing logged at error level (the example backend reports through the service log)',
  );
  t.equal(proc.stderr(), '', 'nothing on stderr');
});

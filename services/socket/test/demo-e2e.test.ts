/**
 * The demo lobby in a real browser: Chromium (playwright-core) against two socket pods (redis-streams), a real
 * redis-server and the example backend. Two browser contexts are two players with their own cookies; each page is
 * served by its own pod, so presence, rooms and chat cross pods through Redis. The final state is saved as a
 * screenshot in test-artifacts/.
 */
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { startLobbyExample } from '@gamesocket/lobby-example';
import { artifactsDir, launchChromium } from '@gamesocket/test-helpers/browser';
import { UI_MS, readyAndChat, signIn, textOf } from '@gamesocket/test-helpers/demo-page';
import { startGameStack } from '@gamesocket/test-helpers';

/** Bound of a player going offline after their browser context closed (a socket close, not a heartbeat timeout). */
const OFFLINE_MS = 15_000;

t.test(
  'two players in two browser contexts: sign in, presence, create and join a room, chat, go offline',
  async (t) => {
    const {
      pods: [pod0, pod1],
      lobby,
      backendErrors,
    } = await startGameStack(t, {
      start: startLobbyExample,
      mode: 'redis-streams',
      // A short grace (the demo's compose stack has 2 s): a closed tab's player leaves the room within seconds. It must
      // outlast the drop's reconnect (socket.io-client waits 0.5-1.5 s, then a handshake on a loaded CI machine): a
      // grace that ends first takes alice's membership, and her recovered socket is rightly out of the room.
      podEnv: { DEV_LOGIN: 'true', MEMBERSHIP_GRACE_MS: '6000' },
      // The pages' origins: each pod serves the demo at its own port.
      allowedOrigins: (pods) => pods.map((pod) => pod.url),
      consumer: 'demo-e2e',
    });

    const browser = await launchChromium(t);
    const pageErrors: string[] = [];
    const open = async (podUrl: string): Promise<Page> => {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(UI_MS);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${podUrl}/?lobby=${encodeURIComponent(lobby.url)}`, { timeout: UI_MS });
      return page;
    };
    const alice = await open(pod0.url);
    const bob = await open(pod1.url);

    await t.test('both sign in, each on its own pod', async (t) => {
      await signIn(alice, 'alice');
      await signIn(bob, 'bob');
      t.match(await textOf(alice, '#state[data-state="connected"]'), /^connected \(node pod-0\)$/, 'alice: connected');
      t.match(await textOf(bob, '#state[data-state="connected"]'), /^connected \(node pod-1\)$/, 'bob: connected');
      t.equal(await textOf(alice, '#me'), 'alice (auth: ok)');
      t.equal(await textOf(bob, '#me'), 'bob (auth: ok)');
      t.match(await textOf(alice, '#lobby-url'), lobby.url, 'the page found the backend from ?lobby=');
    });

    await t.test('they see each other online: the lobby presence diffs and player:watch', async (t) => {
      await alice.waitForSelector('#players li[data-user="bob"][data-online="true"]');
      t.pass('alice saw bob come online (a lobby:presence_diff applied to the list)');
      await bob.fill('#watch-input', 'alice');
      await bob.click('#watch-button');
      await bob.waitForSelector('#players li[data-user="alice"][data-online="true"]');
      t.pass('bob sees alice online (player:watch ack)');
      await alice.waitForSelector('#stats:has-text("2 nodes")');
      t.match(await textOf(alice, '#stats'), /^\d+ online · \d+ connections · 2 nodes$/, 'lobby stats');
      await alice.waitForSelector('#latency:has-text("ms")');
      t.match(await textOf(alice, '#latency'), /^\d+ ms$/, 'the latency indicator shows a round trip');
    });

    let roomId = '';
    await t.test('alice creates a room, bob joins it through the backend', async (t) => {
      await alice.fill('#create-name', 'table one');
      await alice.click('#create-button');
      await alice.waitForSelector('#room:not([hidden]) #room-players li[data-user="alice"]');
      roomId = (await alice.getAttribute('#room', 'data-room')) ?? '';
      t.match(roomId, /^[0-9a-f]{8}$/, 'alice is in the new room (the backend joined her server-side)');
      await bob.waitForSelector(`#rooms li[data-room="${roomId}"]`);
      t.match(await textOf(bob, `#rooms li[data-room="${roomId}"]`), /^table one — 1\/4/, 'bob sees it listed');
      await bob.click(`#rooms button[data-join="${roomId}"]`);
      await bob.waitForSelector(`#room[data-room="${roomId}"]:not([hidden]) #room-players li[data-user="alice"]`);
      t.pass('bob is in the room and sees alice there (the join answer lists the members)');
      await alice.waitForSelector('#room-players li[data-user="bob"]');
      t.pass('alice sees bob join (room:player_joined)');
      t.equal(await textOf(alice, '#room-name'), 'table one (2/4)');
      await alice.waitForSelector('#room-players li[data-user="bob"][data-online="true"]');
      t.match(
        await textOf(bob, '#room-players li[data-user="alice"]'),
        /— online$/,
        'bob sees alice online in the room',
      );
    });

    await t.test('ready and chat reach both players', async (t) => {
      await readyAndChat(t, alice, bob);
    });

    await t.test('a dropped connection comes back recovered, still in the room', async (t) => {
      await alice.click('#drop');
      await alice.waitForSelector('#state[data-state="recovered"]');
      t.match(await textOf(alice, '#state'), /^recovered \(node pod-0\)$/, 'the badge says recovered');
      await bob.fill('#chat-text', 'still there?');
      await bob.click('#chat-send');
      await alice.waitForSelector('#chat li:has-text("bob: still there?")');
      t.pass('alice gets room chat after the recovery, without rejoining');
    });

    await t.test('closing bob’s browser context: offline in the room, then gone after the grace', async (t) => {
      await bob.context().close();
      await alice.waitForSelector('#players li[data-user="bob"][data-online="false"]', { timeout: OFFLINE_MS });
      t.match(await textOf(alice, '#players li[data-user="bob"]'), /^bob — offline$/, 'bob is listed offline');
      await alice.waitForSelector('#room-players li[data-user="bob"][data-online="false"]', { timeout: OFFLINE_MS });
      t.pass('the room shows bob offline: his seat is held through the grace');
      await alice.waitForSelector('#room-players li[data-user="bob"]', { state: 'detached', timeout: OFFLINE_MS });
      t.pass('after the grace bob has left the room (room:player_left, expired)');
      await alice.waitForSelector(`#rooms li[data-room="${roomId}"]:has-text("1/4")`, { timeout: OFFLINE_MS });
      t.pass('the lobby count went down (the backend freed the seat)');
      t.equal(await alice.getAttribute('#players li[data-user="alice"]', 'data-online'), 'true', 'alice still online');
      t.equal(await alice.getAttribute('#state', 'data-state'), 'recovered', 'alice still connected (recovered)');
      const screenshot = join(artifactsDir(), 'demo-e2e-final.png');
      await alice.screenshot({ path: screenshot, fullPage: true, timeout: UI_MS });
      t.pass(`screenshot of the final state: ${screenshot}`);
    });

    t.same(pageErrors, [], 'no script errors in either page');
    t.same(backendErrors, [], 'no errors in the example backend');
  },
);

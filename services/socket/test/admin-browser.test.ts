/**
 * The admin view in a real browser: Chromium (playwright-core) signs in with basic auth (the context's
 * httpCredentials) at one pod's METRICS_PORT, finds a user held by another pod through a real Redis, and kicks them
 * from a room; the user's real socket.io client hears it. Once with JavaScript (the refresh script runs under the
 * strict CSP), once without (the forms work as plain HTML).
 */
import { join } from 'node:path';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import type { PlayerLeftPayload } from '@gamesocket/protocol';
import { artifactsDir, launchChromium } from '@gamesocket/test-helpers/browser';
import {
  connectClient,
  mintToken,
  startRedis,
  startService,
  waitFor,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';
import { REFRESH_MS } from '../src/http/admin/assets.js';

/** Bound of every wait for the page: a cross-pod round trip through Redis on a loaded machine. */
const UI_MS = 10_000;
const CREDENTIALS = { username: 'ops', password: 'correct horse battery' };

/** Two pods on one real Redis; the admin view of pod-1 on its METRICS_PORT. */
async function cluster(t: TapTest): Promise<{ pod0: RunningService; adminUrl: string }> {
  const redis = await startRedis(t);
  const env = {
    REDIS_URL: redis.url,
    ADAPTER: 'redis',
    METRICS_PORT: '0',
    ADMIN_USER: CREDENTIALS.username,
    ADMIN_PASSWORD: CREDENTIALS.password,
  };
  const pod0 = await startService(t, { NODE_ID: 'pod-0', ...env });
  const pod1 = await startService(t, { NODE_ID: 'pod-1', ...env });
  return { pod0, adminUrl: pod1.metricsUrl };
}

/** A signed-in admin page; page errors and console errors (CSP violations among them) land in `problems`. */
async function adminPage(browser: Browser, javaScriptEnabled: boolean, problems: string[]): Promise<Page> {
  const context = await browser.newContext({ httpCredentials: CREDENTIALS, javaScriptEnabled });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_MS);
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return page;
}

/** Opens a user's page through the overview's "find a user" form. */
async function findUser(page: Page, adminUrl: string, userId: string): Promise<void> {
  await page.goto(`${adminUrl}/admin`, { timeout: UI_MS });
  await page.fill('form[action="/admin/users"] input[name="id"]', userId);
  await page.click('form[action="/admin/users"] button');
  await page.waitForURL(`${adminUrl}/admin/users/${userId}`, { timeout: UI_MS });
}

/** Clicks the Kick button of `room` on a user's page and waits for the result message. */
async function kick(page: Page, userId: string, room: string): Promise<string> {
  await page.click(`form[action="/admin/users/${userId}/kick"]:has(input[name="room"][value="${room}"]) button`);
  const notice = await page.waitForSelector('#notice', { timeout: UI_MS });
  return ((await notice.textContent()) ?? '').trim();
}

t.test('an operator finds a user and kicks them from a room; their socket hears room:player_left', async (t) => {
  const { pod0, adminUrl } = await cluster(t);
  const alice = await connectClient(t, pod0.url, { token: await mintToken({ sub: 'alice', username: 'Alice' }) });
  await pod0.app.presence.memberships.join({ userId: 'alice' }, ['room:r1', 'room:r2']);

  const browser = await launchChromium(t);
  const problems: string[] = [];
  const page = await adminPage(browser, true, problems);
  await page.goto(`${adminUrl}/admin`, { timeout: UI_MS });
  // The refresh script is a file the CSP allows: it runs, and marks each refresh.
  await page.waitForSelector('html[data-refreshed]', { timeout: REFRESH_MS + UI_MS });
  t.match(await page.textContent('#cluster'), /pod-0.*pod-1/s, 'both pods listed');
  t.match(await page.textContent('#cluster'), /room:r1/, 'the room listed');
  t.notMatch(await page.textContent('#cluster'), 'carol');
  await connectClient(t, pod0.url, { token: await mintToken({ sub: 'carol', username: 'Carol' }) });
  await page.waitForSelector('#cluster a[href="/admin/users/carol"]', { timeout: REFRESH_MS + UI_MS });
  t.pass('a user who connects later appears without a reload');

  await findUser(page, adminUrl, 'alice');
  t.match(await page.textContent('#user-state'), `${alice.connected.socketId}pod-0`, "alice's socket on pod-0");
  const left = waitFor<PlayerLeftPayload>(alice.socket, 'room:player_left', UI_MS);
  t.equal(await kick(page, 'alice', 'room:r1'), 'Kicked alice from room:r1.');
  t.match(await left, { room: 'room:r1', userId: 'alice', reason: 'kicked' }, 'the real client hears the kick');
  t.notMatch(await page.textContent('#user-state'), 'room:r1', 'the page no longer lists the membership');
  t.match(await page.textContent('#user-state'), 'room:r2', 'the other one stays');
  await page.screenshot({ path: join(artifactsDir(), 'admin-view.png'), fullPage: true });
  t.same(problems, [], 'no page error, no CSP violation');
});

t.test('without JavaScript the forms still work', async (t) => {
  const { pod0, adminUrl } = await cluster(t);
  const bob = await connectClient(t, pod0.url, { token: await mintToken({ sub: 'bob', username: 'Bob' }) });
  await pod0.app.presence.memberships.join({ userId: 'bob' }, ['match:m1']);

  const browser = await launchChromium(t);
  const problems: string[] = [];
  const page = await adminPage(browser, false, problems);
  await findUser(page, adminUrl, 'bob');
  const left = waitFor<PlayerLeftPayload>(bob.socket, 'room:player_left', UI_MS);
  t.equal(await kick(page, 'bob', 'match:m1'), 'Kicked bob from match:m1.');
  t.match(await left, { room: 'match:m1', userId: 'bob', reason: 'kicked' });

  const dropped = waitFor<string>(bob.socket, 'disconnect', UI_MS);
  await page.click('form[action="/admin/users/bob/disconnect"] button');
  await page.waitForSelector('#notice:has-text("Disconnected every socket of bob.")', { timeout: UI_MS });
  t.equal(await dropped, 'io server disconnect', "bob's socket is closed");
  t.equal(await page.$('html[data-refreshed]'), null, 'no script ran');
  t.same(problems, []);
});

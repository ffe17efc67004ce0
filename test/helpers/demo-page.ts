import type { Page } from 'playwright-core';
import type { TapTest } from './tap.js';

/** Bound of every wait for the demo page: a round trip through the socket service and the example backend. */
export const UI_MS = 10_000;

/** The text of the first element matching `selector`, once it exists (bounded). */
export async function textOf(page: Page, selector: string): Promise<string> {
  const element = await page.waitForSelector(selector, { timeout: UI_MS });
  return ((await element.textContent()) ?? '').trim();
}

/** Signs in through the page's form and waits until the socket came back authenticated as `name`. */
export async function signIn(page: Page, name: string): Promise<void> {
  await page.fill('#username', name, { timeout: UI_MS });
  await page.click('#login-button', { timeout: UI_MS });
  await page.waitForSelector(`body[data-user="${name}"]`, { timeout: UI_MS });
}

/** Two players in one room (alice's and bob's pages) ready up and exchange a chat line each; both see it all. */
export async function readyAndChat(t: TapTest, alice: Page, bob: Page): Promise<void> {
  await bob.click('#ready');
  await alice.waitForSelector('#room-players li[data-user="bob"][data-ready="true"]', { timeout: UI_MS });
  t.pass('alice sees bob ready');
  await alice.click('#ready');
  await bob.waitForSelector('#room-players li[data-user="alice"][data-ready="true"]', { timeout: UI_MS });
  t.pass('bob sees alice ready');
  await alice.fill('#chat-text', 'hi bob');
  await alice.click('#chat-send');
  await bob.fill('#chat-text', 'hi alice');
  await bob.click('#chat-send');
  for (const [page, who] of [
    [alice, 'alice'],
    [bob, 'bob'],
  ] as const) {
    await page.waitForSelector('#chat li[data-from="alice"]', { timeout: UI_MS });
    await page.waitForSelector('#chat li[data-from="bob"]', { timeout: UI_MS });
    const lines = await page.$$eval('#chat li', (items) => items.map((item) => item.textContent));
    t.same(lines.toSorted(), ['alice: hi bob', 'bob: hi alice'], `${who} sees both messages`);
  }
}

import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { Teardown } from './service.js';
import { withTimeout } from './wait.js';

/** Debian's Chromium (`.ci/run` installs it when missing); CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Flags for a headless Chromium in a container sandbox with no network beyond loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Bound of a Chromium launch (a cold start on a loaded machine takes seconds). */
const LAUNCH_MS = 30_000;

/**
 * Launches Chromium through playwright-core, closed at teardown. Each launch gets a fresh temporary user-data dir
 * (playwright-core creates it and removes it on close), so no profile state leaks between runs; browser contexts
 * inside it are isolated from each other (cookies included), one per simulated player.
 */
export async function launchChromium(t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (.ci/run does) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    // playwright-core adds its own headless flag for `headless: true`; ours is the one in CHROMIUM_ARGS.
    headless: true,
    timeout: LAUNCH_MS,
  });
  t.teardown(() => withTimeout(browser.close(), LAUNCH_MS, 'chromium to close'));
  return browser;
}

/** The artifacts folder, created when missing. */
export function artifactsDir(): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return ARTIFACTS_DIR;
}

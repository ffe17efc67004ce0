import type { RunningService } from './service.js';
import { eventually } from './wait.js';

/**
 * Waits until every pod's adapter counts `pods.length` servers, i.e. every pod is subscribed and
 * a broadcast from any of them reaches all.
 */
export async function waitForCluster(pods: RunningService[], timeoutMs = 10_000): Promise<void> {
  await eventually(
    async () => {
      const counts = await Promise.all(
        pods.map((pod) =>
          pod.app.io
            .of('/')
            .adapter.serverCount()
            .catch(() => 0),
        ),
      );
      return counts.every((count) => count >= pods.length);
    },
    timeoutMs,
    `${pods.length} pods to see each other`,
  );
}

/**
 * Publishes `publish()` again every `everyMs` until `received()` holds: a barrier for subscriptions
 * that Redis sets up asynchronously (a stream reader's first XREAD, a sharded room channel).
 */
export async function publishUntil(
  publish: () => Promise<unknown> | unknown,
  received: () => boolean,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!received()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: publication never arrived`);
    await publish();
    const until = Date.now() + everyMs;
    while (!received() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

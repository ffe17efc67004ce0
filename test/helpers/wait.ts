/** Default bound of every wait in tests: a failure is a clear red, never a hang. */
export const WAIT_MS = 5000;

/** Something with `once`/`off`: a socket, an EventEmitter, a Redis client. */
interface Listenable {
  once(event: string, listener: (value: unknown) => void): unknown;
  off(event: string, listener: (value: unknown) => void): unknown;
}

/** Resolves with the first argument of the next `event`, or rejects after `timeoutMs`. */
export function waitFor<T = unknown>(emitter: object, event: string, timeoutMs = WAIT_MS): Promise<T> {
  // Typed sockets narrow `once`'s event names; at runtime every emitter has the same shape.
  const target = emitter as Listenable;
  return new Promise<T>((resolve, reject) => {
    const listener = (value: unknown): void => {
      clearTimeout(timer);
      resolve(value as T);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    target.once(event, listener);
  });
}

/** Rejects when `promise` does not settle within `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs = WAIT_MS, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it returns true or `timeoutMs` passes (for state without an event). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = WAIT_MS,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

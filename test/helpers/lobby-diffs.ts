import type { LobbyPresenceDiffPayload } from '@gamesocket/protocol';
import type { TestSocket } from './clients.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** Resolves with the next `lobby:presence_diff` on `socket` that `match` accepts; rejects after `timeoutMs`. */
export function nextDiff(
  socket: TestSocket,
  match: (diff: LobbyPresenceDiffPayload) => boolean,
  timeoutMs = WAIT_MS,
  what = 'a matching lobby:presence_diff',
): Promise<LobbyPresenceDiffPayload> {
  let listener: (diff: LobbyPresenceDiffPayload) => void = () => undefined;
  const found = new Promise<LobbyPresenceDiffPayload>((resolve) => {
    listener = (diff) => {
      if (match(diff)) resolve(diff);
    };
    socket.on('lobby:presence_diff', listener);
  });
  return withTimeout(found, timeoutMs, what).finally(() => socket.off('lobby:presence_diff', listener));
}

/** True when `diff` lists `userId` online. */
export const listsOnline =
  (userId: string) =>
  (diff: LobbyPresenceDiffPayload): boolean =>
    diff.online.some((entry) => entry.userId === userId);

/** True when `diff` lists `userId` offline. */
export const listsOffline =
  (userId: string) =>
  (diff: LobbyPresenceDiffPayload): boolean =>
    diff.offline.includes(userId);

/** True when `diff` gives `userId` this status (a status entry, or online with it). */
export const listsStatus =
  (userId: string, status: string) =>
  (diff: LobbyPresenceDiffPayload): boolean =>
    [...diff.status, ...diff.online].some((entry) => entry.userId === userId && entry.status === status);

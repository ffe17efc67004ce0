import { notify } from '../delivery/notify.js';
import type { GameServer } from '../core/socket-types.js';

/**
 * Closes every socket's transport in batches spread over `windowMs` with jitter, so the clients'
 * reconnects (to other pods: this one refuses new handshakes while draining) do not all land at
 * once. A transport close lets socket.io-client reconnect by itself and recover its session where
 * the mode has recovery. Resolves when every batch has been closed.
 */
export async function drainSockets(io: GameServer, windowMs: number, batches = 10): Promise<number> {
  const sockets = [...io.of('/').sockets.values()];
  // Shuffle (Fisher-Yates) so no group of clients is always the last to move.
  for (let i = sockets.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [sockets[i], sockets[j]] = [sockets[j]!, sockets[i]!];
  }
  const count = Math.max(1, Math.min(batches, sockets.length));
  const slot = windowMs / count;
  await Promise.all(
    Array.from({ length: count }, (_, batch) => {
      const members = sockets.filter((_, i) => i % count === batch);
      const delay = windowMs === 0 ? 0 : batch * slot + Math.random() * slot;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          for (const socket of members) {
            notify(socket, 'system:disconnected', { reason: 'server draining: reconnect' });
            socket.conn.close();
          }
          resolve();
        }, delay),
      );
    }),
  );
  return sockets.length;
}

// Plain JavaScript (typed by ports.d.ts) so that bench, which compiles on its own and runs with plain node, imports
// the same module as the tests: `@gamesocket/test-helpers/ports`.
import { createServer } from 'node:net';

/** @returns {Promise<number>} A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

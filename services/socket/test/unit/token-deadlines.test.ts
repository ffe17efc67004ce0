import t from 'tap';
import type { GameSocket } from '../../src/core/socket-types.js';
import { createTokenLifetimes } from '../../src/lifetime/token-deadlines.js';
import { WAIT_MS, withTimeout } from '@gamesocket/test-helpers/wait';

/** What a socket was sent, and the clock when it happened. */
interface Seen {
  event: string;
  payload?: unknown;
  at: number;
}

/**
 * A clock running at real speed that starts 20 ms before the whole second `second` (token deadlines are whole
 * seconds): the first deadline is due almost at once, the next one a second later.
 */
function clockBefore(second: number): () => number {
  const offset = second * 1000 - 20 - Date.now();
  return () => Date.now() + offset;
}

/**
 * The parts of a Socket.IO socket the deadlines use: its auth data, `connected`, the emit `notify` sends through
 * (a server without connection state recovery), and the transport close. `closed()` resolves when the transport is closed (bounded).
 */
function socketOf(now: () => number, data: { user: 'alice' | null; tokenExp: number | undefined }, connected = true) {
  const seen: Seen[] = [];
  let onClose = (): void => undefined;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const socket = {
    id: `socket-${Math.random()}`,
    connected,
    data: {
      user: data.user === null ? null : { userId: 'u1', username: data.user, role: 'player' },
      auth: data.user === null ? 'anonymous' : 'ok',
      tokenExp: data.tokenExp,
    },
    nsp: { server: {} },
    emit: (event: string, payload: unknown) => seen.push({ event, payload, at: now() }),
    conn: {
      close: () => {
        seen.push({ event: 'transport closed', at: now() });
        onClose();
      },
    },
  } as unknown as GameSocket;
  return { socket, seen, closed: () => withTimeout(closed, WAIT_MS, 'the transport to close') };
}

// A fixed second far from the real clock: deadlines are computed on the injected one.
const S = 2_000_000_000;

t.test('warns warningSec before exp, then AUTH_EXPIRED and a transport close; never early', async (t) => {
  const now = clockBefore(S);
  const lifetimes = createTokenLifetimes({ warningSec: 1, clockToleranceSec: 0 }, now);
  const exp = S + 1;
  const { socket, seen, closed } = socketOf(now, { user: 'alice', tokenExp: exp });
  lifetimes.watch(socket);
  await closed();
  t.same(
    seen.map(({ event }) => event),
    ['system:token_expiring', 'system:error', 'transport closed'],
    'the warning, the error, then the close',
  );
  t.same(seen[0]?.payload, { exp }, 'the warning carries exp');
  t.match(seen[1]?.payload, { code: 'AUTH_EXPIRED' });
  t.ok((seen[0]?.at ?? 0) >= (exp - 1) * 1000, 'the warning is not sent before exp - warningSec');
  t.ok((seen[1]?.at ?? 0) >= exp * 1000, 'the expiry is not served before exp');
});

t.test('the expiry waits for the clock tolerance; no warning once inside the warning window', async (t) => {
  const now = clockBefore(S);
  const lifetimes = createTokenLifetimes({ warningSec: 60, clockToleranceSec: 2 }, now);
  // Past exp already, but the handshake accepted it within the tolerance.
  const exp = S - 1;
  const { socket, seen, closed } = socketOf(now, { user: 'alice', tokenExp: exp });
  lifetimes.watch(socket);
  await closed();
  t.same(
    seen.map(({ event }) => event),
    ['system:error', 'transport closed'],
    'no warning: it would come after the fact',
  );
  t.ok((seen[0]?.at ?? 0) >= (exp + 2) * 1000, 'served at exp + tolerance, not at exp');
});

t.test('nothing fires for a forgotten, an anonymous or a disconnected socket', async (t) => {
  const now = clockBefore(S);
  const lifetimes = createTokenLifetimes({ warningSec: 0, clockToleranceSec: 0 }, now);
  const watched = socketOf(now, { user: 'alice', tokenExp: S });
  const forgotten = socketOf(now, { user: 'alice', tokenExp: S });
  const anonymous = socketOf(now, { user: null, tokenExp: S });
  const noExp = socketOf(now, { user: 'alice', tokenExp: undefined });
  const disconnected = socketOf(now, { user: 'alice', tokenExp: S }, false);
  for (const { socket } of [forgotten, watched, anonymous, noExp, disconnected]) lifetimes.watch(socket);
  lifetimes.forget(forgotten.socket);
  // The same deadline: the others were served in the same pass as `watched`.
  await watched.closed();
  t.same(
    watched.seen.map(({ event }) => event),
    ['system:error', 'transport closed'],
  );
  t.same(forgotten.seen, [], 'forgotten');
  t.same(anonymous.seen, [], 'anonymous');
  t.same(noExp.seen, [], 'a token without exp');
  t.same(disconnected.seen, [], 'gone before its deadline');
});

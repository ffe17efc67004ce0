import { RECOVERY_EVENT, nowMs } from '../lib/schedule.js';
import { RawClient } from './raw-client.js';
import { mintCookies, pool, type UserSpec } from './tokens.js';

/** One logical client across its reconnect: the seqs it saw and how its move went. */
interface RecoveringClient {
  cookie: string;
  current: RawClient;
  /** The session's private id from pod A (what recovery asks pod B for). */
  pid: string | undefined;
  seqs: number[];
  offset: string | undefined;
  droppedAt: number | undefined;
  /** `system:connected` on the surviving pod: when, and what it said. */
  back: { at: number; recovered: boolean; auth: string } | undefined;
  finished: boolean;
}

const clients: RecoveringClient[] = [];
/** Presence events that reached the clients since `recoveryMark` (the drain): messages, and users they listed. */
const presence = { messages: 0, entries: 0 };
const PRESENCE_EVENTS = new Set(['player:online', 'player:offline', 'player:status_change']);
/** Failed reconnect attempts (retried with backoff, like socket.io-client) and the first reasons. */
let retries = 0;
const retryReasons = new Set<string>();
const MAX_ATTEMPTS = 20;

function open(client: RecoveringClient, url: string, origin: string, resume: boolean): RawClient {
  const raw = new RawClient({
    url,
    kind: 'sio',
    cookie: client.cookie,
    origin,
    connectPayload:
      // The session's pid, not the last attempt's: a refused attempt has none and must not end the recovery.
      resume && client.pid !== undefined ? { pid: client.pid, offset: client.offset } : undefined,
    onEvent: (name, args) => {
      // With connection state recovery, each broadcast carries its offset as the last argument.
      const last = args[args.length - 1];
      if (args.length > 1 && typeof last === 'string') client.offset = last;
      if (name === RECOVERY_EVENT) client.seqs.push((args[0] as { seq: number }).seq);
      else if (PRESENCE_EVENTS.has(name)) {
        presence.messages++;
        presence.entries++;
      } else if (name === 'lobby:presence_diff') {
        const diff = args[0] as { online: unknown[]; offline: unknown[]; status: unknown[] };
        presence.messages++;
        presence.entries += diff.online.length + diff.offline.length + diff.status.length;
      } else if (name === 'system:connected' && resume) {
        const payload = args[0] as { recovered: boolean; auth: string };
        client.back = { at: nowMs(), recovered: payload.recovered, auth: payload.auth };
      }
    },
  });
  return raw;
}

/** The recovery scenario's commands: connect to pod A, move to pod B when A drains, count what arrived. */
export function recoveryHandlers() {
  let fallback = '';
  let origin = '';
  return {
    async recoveryConnect(args: { url: string; fallbackUrl: string; count: number; users: UserSpec; origin: string }) {
      fallback = args.fallbackUrl;
      origin = args.origin;
      const cookies = await mintCookies(args.users, 0, args.count);
      let failed = 0;
      // Below the service's HANDSHAKE_CONCURRENCY default (64), like the other connects.
      await pool(args.count, 50, async (i) => {
        const client: RecoveringClient = {
          cookie: cookies[i]!,
          current: undefined as unknown as RawClient,
          pid: undefined,
          seqs: [],
          offset: undefined,
          droppedAt: undefined,
          back: undefined,
          finished: false,
        };
        client.current = open(client, args.url, origin, false);
        try {
          await client.current.ready;
          await client.current.request('lobby:join');
        } catch {
          failed++;
          client.current.ws.terminate();
          return;
        }
        client.pid = client.current.pid;
        // When pod A closes the transport, come back on pod B with the session's pid and offset,
        // retrying with jittered backoff (100 ms doubling, at most 2 s) like socket.io-client.
        const reconnect = (attempt: number): void => {
          if (client.finished) return;
          client.current = open(client, fallback, origin, true);
          client.current.ready.catch((err: unknown) => {
            retries++;
            if (retryReasons.size < 5) retryReasons.add(String(err).slice(0, 200));
            if (attempt >= MAX_ATTEMPTS) return;
            const delay = Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random());
            setTimeout(() => reconnect(attempt + 1), delay);
          });
        };
        client.current.ws.once('close', () => {
          if (client.finished) return;
          client.droppedAt = nowMs();
          reconnect(0);
        });
        clients.push(client);
      });
      return { connected: clients.length, failed };
    },

    /** Answers the presence events counted since the clients connected, and starts counting from now (the drain). */
    recoveryMark() {
      const before = { ...presence };
      presence.messages = 0;
      presence.entries = 0;
      return before;
    },

    /** Waits (bounded) until every client is back; first seq each client saw from `fromSeq` on. */
    async recoveryWait({ timeoutMs }: { timeoutMs: number }) {
      const deadline = Date.now() + timeoutMs;
      while (clients.some((c) => c.back === undefined) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return { back: clients.filter((c) => c.back !== undefined).length, clients: clients.length };
    },

    /** Waits (bounded) for `lastSeq` everywhere, then counts lost and duplicate events per client. */
    async recoveryResult({ firstSeq, lastSeq, timeoutMs }: { firstSeq: number; lastSeq: number; timeoutMs: number }) {
      const deadline = Date.now() + timeoutMs;
      while (clients.some((c) => !c.seqs.includes(lastSeq)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      let lost = 0;
      let duplicates = 0;
      let recovered = 0;
      let authenticated = 0;
      const moveMs: number[] = [];
      // Up to three clients with a gap or a repeat, with what they saw (to tell a harness bug from a service one).
      const examples: { seqs: number[]; recovered: boolean | undefined }[] = [];
      for (const client of clients) {
        client.finished = true;
        const seen = client.seqs.filter((s) => s >= firstSeq && s <= lastSeq);
        const unique = new Set(seen);
        duplicates += seen.length - unique.size;
        lost += lastSeq - firstSeq + 1 - unique.size;
        if (examples.length < 3 && (seen.length !== unique.size || unique.size !== lastSeq - firstSeq + 1)) {
          examples.push({ seqs: seen, recovered: client.back?.recovered });
        }
        if (client.back?.recovered === true) recovered++;
        if (client.back?.auth === 'ok') authenticated++;
        if (client.back !== undefined && client.droppedAt !== undefined) moveMs.push(client.back.at - client.droppedAt);
      }
      await pool(clients.length, 500, (i) => clients[i]!.current.close());
      const total = clients.length;
      clients.length = 0;
      const failures = { retries, reasons: [...retryReasons] };
      retries = 0;
      retryReasons.clear();
      const seenPresence = { ...presence };
      return {
        clients: total,
        lost,
        duplicates,
        recovered,
        authenticated,
        moveMs,
        examples,
        ...failures,
        presenceMessages: seenPresence.messages,
        presenceEntries: seenPresence.entries,
      };
    },
  };
}

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A standalone or cluster ioredis client. */
export type RedisClient = Redis | Cluster;

/** Options of `createRedisClient`. */
export interface RedisClientOptions {
  /** The connection name, shown in CLIENT LIST (and so in Redis-side debugging). Default: none. */
  name?: string;
  /** Redis Cluster only: route SSUBSCRIBE to the shard that owns each channel (sharded pub/sub). */
  shardedSubscribers?: boolean;
  /**
   * A subscriber: its (UN)SUBSCRIBE commands wait for the connection however long an outage
   * lasts (ioredis only resubscribes what the server confirmed; a failed SSUBSCRIBE of a room
   * created during an outage would be lost for good), and it is ready as soon as it connects (no
   * INFO ready check, which a SUBSCRIBE sent while connecting would make fail).
   */
  subscriber?: boolean;
  /**
   * Standalone only: its `duplicate()`s skip the ready check, as a subscriber does, for a library that subscribes
   * through duplicates it makes itself (the streams adapter builds a namespace's SUBSCRIBE on one, and a SUBSCRIBE
   * written between 'connect' and 'ready' is lost for good). The cost: a duplicate's other commands (the adapter's
   * XREAD) are sent to a Redis still loading its data and fail with LOADING instead of waiting for it.
   */
  subscribingDuplicates?: boolean;
  /**
   * Coalesce writes (`coalesceWrites`): the commands issued in one turn of the event loop leave in one write
   * instead of one write each. For a client that many independent callers share (the pod's command client).
   */
  coalesceWrites?: boolean;
  /**
   * With `coalesceWrites`: on a busy connection (a reply still awaited) a write waits until this many milliseconds
   * after the previous one, so that commands issued close together leave together (see `coalesceWrites`). Default
   * 0: each turn's commands leave at its end.
   */
  flushDelayMs?: number;
}

/**
 * Makes a client's commands of one event-loop turn leave in one write: the connection is corked at the turn's
 * first command and uncorked in that turn's check phase (`setImmediate`), after every I/O callback of the turn
 * ran. With `flushDelayMs`, a write that would follow the previous one sooner than that while an earlier command
 * still awaits its reply waits for the delay's end instead (a timer), taking every command issued meanwhile: on a
 * busy connection the client writes at most once per `flushDelayMs` and Redis answers the batch in one read, while
 * a command on an idle connection, or one that follows every earlier reply (a chain of dependent commands), still
 * leaves at the end of its turn. Commands, their order and their replies are unchanged (no pipeline, no queueing
 * behind earlier replies); what goes is a `write` system call and a wake-up per command, which on a busy pod are
 * most of a command's cost.
 */
export function coalesceWrites(client: Redis, flushDelayMs = 0): void {
  const send = client.sendCommand;
  let corked: Redis['stream'] | undefined;
  let lastFlush = -Infinity;
  // Commands written or corked whose replies have not come yet.
  let awaiting = 0;
  const replied = (): void => {
    awaiting--;
  };
  const uncork = (): void => {
    const stream = corked;
    corked = undefined;
    if (flushDelayMs > 0) lastFlush = performance.now();
    stream?.uncork();
  };
  client.sendCommand = function (this: Redis, command, stream) {
    if (stream === undefined && this.status === 'ready') {
      if (flushDelayMs > 0) {
        awaiting++;
        command.promise.then(replied, replied);
      }
      if (corked === undefined) {
        corked = this.stream;
        corked.cork();
        // This command counts itself: a wait only when another one is still out.
        const wait = awaiting > 1 ? lastFlush + flushDelayMs - performance.now() : 0;
        if (wait > 0) setTimeout(uncork, wait);
        else setImmediate(uncork);
      }
    }
    return send.call(this, command, stream);
  };
}

/** Commands issued while Redis is down fail after this many reconnect attempts instead of piling up. */
export const MAX_RETRIES_PER_REQUEST = 2;

/** Reconnect delay, ms, before attempt `attempt` (1, 2, ...): a linear backoff capped at 2 s, forever. */
export const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 100, 2000);

const DEFAULT_PORT = 6379;

/** A standalone client whose duplicates skip the ready check (`RedisClientOptions.subscribingDuplicates`). */
class SubscribingDuplicatesClient extends Redis {
  override duplicate(override?: Partial<RedisOptions>): Redis {
    return super.duplicate({ enableReadyCheck: false, ...override });
  }
}

/** The node URLs of a comma list or an array, trimmed and parsed; throws `TypeError` on an empty list or a non-Redis URL. */
function parseUrls(urls: string | readonly string[]): URL[] {
  const list = (typeof urls === 'string' ? urls.split(',') : [...urls]).map((url) => url.trim());
  if (list.length === 0 || list.every((url) => url === '')) throw new TypeError('no Redis URL given');
  return list.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new TypeError(`not a Redis URL: ${JSON.stringify(text)}`);
    }
    if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
      throw new TypeError(`not a redis:// or rediss:// URL: ${JSON.stringify(text)}`);
    }
    return url;
  });
}

const hostPort = (url: URL): { host: string; port: number } => ({
  host: url.hostname,
  port: url.port === '' ? DEFAULT_PORT : Number(url.port),
});

/** Credentials, TLS and database of a Redis URL (everything but the address). */
function connectionOptions(url: URL): RedisOptions {
  return {
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' && { tls: {} }),
    ...(url.pathname.length > 1 && { db: Number(url.pathname.slice(1)) }),
  };
}

/**
 * Creates an ioredis client from Redis URLs: one URL (or a one-element list) gives a standalone client, several (a
 * comma list or an array) a Redis Cluster client seeded with those nodes. The first URL's credentials
 * (`redis://user:pass@…`), TLS (`rediss:`) and database (`/<db>`, standalone only) apply to every node. The client
 * connects at once and reconnects forever (`reconnectDelayMs`); a command issued while it is disconnected fails
 * after `MAX_RETRIES_PER_REQUEST` reconnect attempts (a `subscriber` waits instead). Attach an `error` listener:
 * ioredis emits one per failed connection attempt. Throws `TypeError` when no valid redis:// or rediss:// URL is
 * given.
 */
export function createRedisClient(urls: string | readonly string[], options: RedisClientOptions = {}): RedisClient {
  const parsed = parseUrls(urls);
  const first = parsed[0] as URL;
  const common: RedisOptions = {
    ...(options.name !== undefined && { connectionName: options.name }),
    maxRetriesPerRequest: options.subscriber === true ? null : MAX_RETRIES_PER_REQUEST,
    retryStrategy: reconnectDelayMs,
    // ioredis writes a SUBSCRIBE issued between 'connect' and 'ready' at once; its ready check (INFO) then fails
    // in subscriber mode and the reconnect drops the subscriptions. A subscriber skips the check: ready on connect.
    ...(options.subscriber === true && { enableReadyCheck: false }),
  };
  if (parsed.length === 1) {
    const standalone: RedisOptions = { ...hostPort(first), ...connectionOptions(first), ...common };
    const client =
      options.subscribingDuplicates === true ? new SubscribingDuplicatesClient(standalone) : new Redis(standalone);
    if (options.coalesceWrites === true) coalesceWrites(client, options.flushDelayMs);
    return client;
  }
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...connectionOptions(first), ...common },
    clusterRetryStrategy: reconnectDelayMs,
    shardedSubscribers: options.shardedSubscribers ?? false,
  };
  const cluster = new Cluster(parsed.map(hostPort), clusterOptions);
  // Each node's connection is its own client, made as the cluster discovers the node.
  if (options.coalesceWrites === true) cluster.on('+node', (node: Redis) => coalesceWrites(node, options.flushDelayMs));
  return cluster;
}

/** How long `closeClient` waits for QUIT before it drops the connection. */
const QUIT_TIMEOUT_MS = 1000;

/**
 * Closes a client for good: QUIT (replies to earlier commands still arrive), or a hard disconnect when Redis does
 * not answer within 1 s (e.g. during an outage). Either way the client stops reconnecting. Resolves once QUIT is
 * answered or the connection dropped (the client's `end` event may follow a moment later); never rejects. A client
 * already ended is left as is.
 */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit timed out')), QUIT_TIMEOUT_MS);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

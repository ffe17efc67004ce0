/** The consumer-group options of an in-process stream (those of the Redis consumers; others are ignored). */
export interface MemoryGroupOptions {
  /** Consumer group: every group gets every entry once; consumers of a group share the work. */
  group: string;
  /** This consumer's name within the group. */
  consumer: string;
  /** An entry whose handler threw (or whose consumer stopped mid-handler) is handed out again once idle this long. Default 30 000 ms. */
  claimIdleMs?: number;
  /** Where a new group starts: `0` (default) = every entry still in the capped stream, `$` = only new ones. */
  startId?: '0' | '$';
}

/** A running in-process consumer. */
export interface MemoryConsumer {
  /** Stops after the handler in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
}

interface Stored<T> {
  ordinal: number;
  id: string;
  value: T;
}

interface Pending<T> extends Stored<T> {
  /** When it was last handed out or last failed (ms). */
  since: number;
  handling: boolean;
}

interface Group<T> {
  /** Ordinal of the next entry no consumer of the group has had. */
  cursor: number;
  pending: Map<string, Pending<T>>;
}

const DEFAULT_CLAIM_IDLE_MS = 30_000;
/** Entries handled in a row before a consumer lets the event loop run. */
const YIELD_EVERY = 64;

/**
 * A capped, append-only stream of one process with Redis Streams' consumer-group semantics: ids `<ms>-<seq>` in
 * append order, every group gets every entry, consumers of a group share them, an entry is acknowledged when its
 * handler resolves, and one whose handler threw stays pending and is handed out again (to any consumer of the group)
 * once idle `claimIdleMs` — at-least-once, like XREADGROUP + XACK + XAUTOCLAIM. What `memory` mode uses where the
 * Redis modes use a stream.
 */
export class MemoryStream<T> {
  private readonly entries: Stored<T>[] = [];
  private readonly groups = new Map<string, Group<T>>();
  private readonly wakers = new Set<() => void>();
  private nextOrdinal = 0;
  private lastMs = 0;
  private seq = 0;

  /** `maxLen`: entries kept for groups created later (as `MAXLEN`); pending entries are kept until acknowledged. */
  constructor(private readonly maxLen: number) {
    if (!Number.isSafeInteger(maxLen) || maxLen < 1)
      throw new RangeError(`maxLen must be a positive integer: ${maxLen}`);
  }

  /** True once any consumer group has read from this stream. */
  hasGroups(): boolean {
    return this.groups.size > 0;
  }

  /** Appends the value `make` builds from the new entry's id; returns the id. */
  append(make: (id: string) => T): string {
    const now = Date.now();
    // Ids only grow, even when the clock steps back.
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq += 1;
    const id = `${this.lastMs}-${this.seq}`;
    this.entries.push({ ordinal: this.nextOrdinal++, id, value: make(id) });
    if (this.entries.length > this.maxLen) this.entries.splice(0, this.entries.length - this.maxLen);
    this.wakeAll();
    return id;
  }

  /**
   * Hands the group's entries to `handle` one at a time, in stream order (retries aside), until stopped; a handler
   * that throws is reported to `onError` with the value, and the entry stays pending.
   */
  consume(
    options: MemoryGroupOptions,
    handle: (value: T) => Promise<void> | void,
    onError: (err: unknown, value: T) => void,
  ): MemoryConsumer {
    const group = this.groupOf(options.group, options.startId ?? '0');
    const claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
    let running = true;
    let wake = (): void => undefined;

    let streak = 0;
    const loop = async (): Promise<void> => {
      while (running) {
        const next = this.claim(group, claimIdleMs) ?? this.take(group);
        if (next === undefined) {
          await this.wait(group, claimIdleMs, (resolve) => (wake = resolve));
          continue;
        }
        next.handling = true;
        try {
          await handle(next.value);
          group.pending.delete(next.id);
        } catch (err) {
          next.since = Date.now();
          next.handling = false;
          try {
            onError(err, next.value);
          } catch {
            // A reporter that throws must not end the consumer: the entry is retried all the same.
          }
          // Consumers waiting now learn when it becomes claimable.
          this.wakeAll();
          streak = YIELD_EVERY;
        }
        // Synchronous handlers over a backlog, or retries with no idle time, must not starve the event loop.
        if (++streak >= YIELD_EVERY) {
          streak = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    };
    const done = loop();
    return {
      async stop() {
        running = false;
        wake();
        await done;
      },
    };
  }

  private groupOf(name: string, startId: '0' | '$'): Group<T> {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = { cursor: startId === '$' ? this.nextOrdinal : 0, pending: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  /** The next entry nobody in the group has had, now pending. */
  private take(group: Group<T>): Pending<T> | undefined {
    const first = this.entries[0];
    if (first === undefined || group.cursor >= this.nextOrdinal) return undefined;
    // Trimmed entries are gone, as XREADGROUP skips them.
    const stored = this.entries[Math.max(0, group.cursor - first.ordinal)] as Stored<T>;
    group.cursor = stored.ordinal + 1;
    const pending: Pending<T> = { ...stored, since: Date.now(), handling: false };
    group.pending.set(stored.id, pending);
    return pending;
  }

  /** A pending entry idle long enough to be handed out again, if any. */
  private claim(group: Group<T>, claimIdleMs: number): Pending<T> | undefined {
    const now = Date.now();
    for (const entry of group.pending.values()) {
      if (!entry.handling && now - entry.since >= claimIdleMs) {
        entry.since = now;
        return entry;
      }
    }
    return undefined;
  }

  /** Waits for an append, the stop (`onWake`) or the moment a pending entry becomes claimable. */
  private wait(group: Group<T>, claimIdleMs: number, onWake: (resolve: () => void) => void): Promise<void> {
    let due = Infinity;
    for (const entry of group.pending.values()) if (!entry.handling) due = Math.min(due, entry.since + claimIdleMs);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      if (Number.isFinite(due)) timer = setTimeout(done, Math.max(1, due - Date.now()));
      this.wakers.add(done);
      onWake(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}

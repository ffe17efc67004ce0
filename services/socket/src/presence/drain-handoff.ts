import type { Presence, SocketEntry } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { Announcements } from './announcements.js';

/** Options of the drain hand-off. */
export interface DrainHandoffOptions {
  nodeId: string;
  /** Node heartbeat TTL: how long the cluster's reaper leaves a handed-off pod's sockets. */
  ttlMs: number;
  /** False while the presence store is known to be unreachable. */
  storeUp(): boolean;
}

/** At shutdown, how long drained sockets' removals may still take (a slow Redis must not hold the exit). */
const DRAIN_REMOVALS_WAIT_MS = 2000;

/**
 * Presence through a graceful shutdown. From `begin`, a closing socket that is its user's last
 * stays in the store, so a user who moves to another pod never looks offline; at the end the pod's
 * remaining sockets are handed to the cluster's reaper, or swept by the last pod standing.
 */
export class DrainHandoff {
  private started = false;
  /** Removals of drained sockets still running: awaited (bounded) before the store is released. */
  private readonly removals = new Set<Promise<void>>();
  /** Set when `handOff` left this pod's sockets to the cluster's reaper. */
  private handedOff = false;

  constructor(
    private readonly presence: Presence,
    private readonly options: DrainHandoffOptions,
    private readonly announce: Announcements,
    private readonly log: Logger,
  ) {}

  /** True from `begin` on: releases go through `release`, and the store is not resynced. */
  get draining(): boolean {
    return this.started;
  }

  /** Start of the drain (idempotent). Heartbeats go on, so the drain may outlast the TTL. */
  begin(): void {
    this.started = true;
  }

  /**
   * Releases a socket closed during the drain. Its user is probably on their way to another pod:
   * their last socket stays for the reaper (see `handOff`); the others go, so their reconnects are
   * not refused by the per-user cap. Nothing is announced.
   */
  release(entry: SocketEntry): void {
    if (!this.options.storeUp()) return;
    const removal = this.presence.removeSocket(entry, { keepLast: true }).then(
      () => undefined,
      () => undefined,
    );
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  /**
   * End of the drain (call after `begin`, with the heartbeats stopped). With another pod alive, this
   * pod's remaining sockets are handed to the cluster's reaper: the node expires one TTL from now,
   * and whoever has not reconnected elsewhere by then goes offline. Sweeping at once would announce
   * every user still on their way to another pod offline, then online again: two lobby broadcasts
   * per user, in the middle of the reconnect storm. Alone, the pod sweeps itself.
   */
  async handOff(): Promise<void> {
    await this.settleRemovals();
    try {
      if ((await this.presence.stats()).nodes > 1) {
        await this.presence.heartbeat(this.options.nodeId, this.options.ttlMs);
        this.handedOff = true;
        this.log.info({ ttlMs: this.options.ttlMs }, 'drained; sockets not back elsewhere are left to the reaper');
        return;
      }
    } catch (err) {
      this.log.warn({ err }, 'presence unavailable at shutdown; sweeping');
    }
    await this.sweep();
  }

  /**
   * After Socket.IO closed: removes what handshakes that were already past the drain check added
   * meanwhile (unless the reaper has it), then releases the store.
   */
  async close(): Promise<void> {
    await this.settleRemovals();
    if (!this.handedOff) await this.sweep();
    await this.presence.close();
  }

  private async settleRemovals(): Promise<void> {
    if (this.removals.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.removals),
      new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_REMOVALS_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async sweep(): Promise<void> {
    try {
      this.announce.offline(await this.presence.removeNode(this.options.nodeId));
    } catch (err) {
      this.log.warn({ err }, 'presence cleanup failed at shutdown; other pods will reap this one');
    }
  }
}

import type { NodeReport } from '@gamesocket/presence';
import { resyncPod, type OutageResyncDeps } from './outage-resync.js';

/** What the heartbeat and the reaper need: the resync's needs, and the pod's liveness. */
export interface HeartbeatReaperDeps extends OutageResyncDeps {
  /** Node heartbeat TTL; heartbeats every third of it, reaping every fifth. */
  ttlMs: number;
  /** False while the presence store is known to be unreachable. */
  storeUp(): boolean;
  /** True while the pod drains: the store keeps the drained sockets on purpose, so no resync. */
  draining(): boolean;
  /** What each heartbeat reports of this pod (the admin view's pods); undefined = nothing. */
  report?: () => Promise<NodeReport>;
}

const RESUBSCRIBE_SETTLE_MS = 2500;
const BOOT_WAIT_MS = 5000;

/**
 * Keeps this pod alive in the store and the store in step with it: heartbeats (the first removes
 * what a previous life under this node id left), resyncs after an outage or a reaping, and reaps
 * the sockets of pods whose heartbeat expired, announcing `player:offline` for their users left
 * with no socket.
 */
export class HeartbeatReaper {
  private readonly timers: NodeJS.Timeout[] = [];
  private sawOutage = false;
  /** When the store came back after an outage (heartbeat view); cleared once settled. */
  private backSince: number | undefined;

  constructor(private readonly deps: HeartbeatReaperDeps) {}

  /** Beats once (waiting a moment at boot for the store), then starts the heartbeat and reaper timers. */
  async start(): Promise<void> {
    const { ttlMs } = this.deps;
    // Give the Redis connections a moment at boot, so the first beat clears a previous life at once.
    const deadline = Date.now() + BOOT_WAIT_MS;
    while (!this.deps.storeUp() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await this.beat();
    this.timers.push(setInterval(() => void this.beat(), Math.max(100, Math.floor(ttlMs / 3))));
    // Jitter so pods do not all reap at once (only one holds the reaper lock anyway).
    const reapEvery = Math.max(100, Math.floor(ttlMs / 5));
    this.timers.push(setInterval(() => void this.reap(), reapEvery + Math.floor(Math.random() * (reapEvery / 4))));
    for (const timer of this.timers) timer.unref();
  }

  /** Stops the timers (a beat or reap already running finishes). */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async beat(): Promise<void> {
    const { sockets } = this.deps;
    // After an outage, wait until every pod has had time to resubscribe (ioredis retries at most
    // every 2 s), or the online/offline announcements of the resync would be lost on their way.
    if (!this.deps.storeUp()) {
      this.backSince = undefined;
      this.sawOutage = true;
      sockets.dirty = true;
      return;
    }
    if (this.sawOutage) {
      this.sawOutage = false;
      this.backSince = Date.now();
    }
    if (this.backSince !== undefined && Date.now() - this.backSince < RESUBSCRIBE_SETTLE_MS) return;
    this.backSince = undefined;
    try {
      const report = await this.deps.report?.();
      const unknown = await this.deps.presence.heartbeat(this.deps.nodeId, this.deps.ttlMs, report);
      if ((unknown || sockets.dirty) && !this.deps.draining()) await resyncPod(this.deps);
    } catch (err) {
      sockets.dirty = true;
      this.deps.log.debug({ err }, 'presence heartbeat failed');
    }
  }

  private async reap(): Promise<void> {
    try {
      const gone = await this.deps.presence.reapDeadNodes();
      if (gone.length > 0) this.deps.log.info({ users: gone.length }, 'reaped the sockets of dead pods');
      this.deps.announce.offline(gone);
    } catch (err) {
      this.deps.log.debug({ err }, 'presence reap failed');
    }
  }
}

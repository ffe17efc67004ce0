import type { MembershipActions } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';

/** What the sweep needs. */
export interface MembershipExpiryDeps {
  actions: Pick<MembershipActions, 'expire'>;
  /** The membership grace; the sweep runs every quarter of it, between 100 ms and 2 s. */
  graceMs: number;
  /** False while the store is known to be unreachable: no sweep. */
  storeUp(): boolean;
  log: Logger;
}

/**
 * Ends memberships whose grace is over, from every pod (each expiry happens once cluster-wide, so
 * a dead pod's users still expire): the store ends them and this pod announces `room:player_left`
 * with reason `expired`.
 */
export class MembershipExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: MembershipExpiryDeps) {}

  /** Starts the sweeps. */
  start(): void {
    const every = Math.min(2000, Math.max(100, Math.floor(this.deps.graceMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  /** Stops the sweeps (one already running finishes). */
  stop(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.running || !this.deps.storeUp()) return;
    this.running = true;
    try {
      const ended = await this.deps.actions.expire();
      if (ended.length > 0) this.deps.log.info({ memberships: ended.length }, 'memberships expired');
    } catch (err) {
      this.deps.log.debug({ err }, 'membership expiry failed');
    } finally {
      this.running = false;
    }
  }
}

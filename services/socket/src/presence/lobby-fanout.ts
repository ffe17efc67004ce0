import type { LobbyPresenceDiffPayload, UserPresence } from '@gamesocket/protocol';
import type { UserRef } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import { isEmptyDiff, LobbyDiff, settle } from './lobby-diff.js';

/** What the lobby fan-out needs. */
export interface LobbyFanoutDeps {
  /** Most often a diff goes out (`PRESENCE_DIFF_MS`); 0 = as soon as the previous one is out. */
  intervalMs: number;
  /** The presence of these users now (the store's `getMany`). */
  read(userIds: readonly string[]): Promise<UserPresence[]>;
  /** False while the presence store is known to be unreachable: diffs go out unchecked. */
  storeUp(): boolean;
  /** Sends a diff to the lobby. */
  send(diff: LobbyPresenceDiffPayload): void;
  log: Logger;
}

/**
 * This pod's presence changes to the lobby: transitions are netted per user (`LobbyDiff`) and go out
 * as one `lobby:presence_diff` an interval after the first of them, checked against the store first
 * (`settle`). One diff at a time; the timer is unref'd. `stop` (end of a drain) sends what is pending
 * and stops the timer; a change after it goes out at once.
 */
export class LobbyFanout {
  private readonly pending = new LobbyDiff();
  private timer: NodeJS.Timeout | undefined;
  /** The diff being sent, and after it the ones asked for meanwhile: one at a time, in order. */
  private sending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: LobbyFanoutDeps) {}

  /** `user` came online (their first socket anywhere arrived here). */
  online(user: UserRef): void {
    this.pending.online(user);
    this.schedule();
  }

  /** `user` went offline (their last socket anywhere went from here, or this pod removed it). */
  offline(user: UserRef): void {
    this.pending.offline(user.userId);
    this.schedule();
  }

  /** This pod stored a new status of an online user. */
  status(userId: string, status: string): void {
    this.pending.status(userId, status);
    this.schedule();
  }

  /** Sends what is pending now, after any diff already on its way; never rejects. */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  /** Stops the timer and sends what is pending (the pod is going); later changes go out at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.stopped) {
      void this.flush();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  private async sendPending(): Promise<void> {
    const claims = this.pending.take();
    if (claims.length === 0) return;
    try {
      const { diff, contradicted } = settle(claims, await this.current(claims.map((claim) => claim.userId)));
      if (!isEmptyDiff(diff)) this.deps.send(diff);
      if (contradicted.length > 0 && !this.stopped) {
        this.pending.recheck(contradicted);
        this.schedule();
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'lobby presence diff failed');
    }
  }

  /** The store's presence of these users, or undefined when it cannot be read (the claims then go unchecked). */
  private async current(userIds: string[]): Promise<Map<string, UserPresence> | undefined> {
    if (!this.deps.storeUp()) return undefined;
    try {
      return new Map((await this.deps.read(userIds)).map((presence) => [presence.userId, presence]));
    } catch (err) {
      this.deps.log.debug({ err }, 'presence read for the lobby diff failed; sending it unchecked');
      return undefined;
    }
  }
}

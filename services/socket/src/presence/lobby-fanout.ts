import type { LobbyPresenceDiffPayload, UserPresence } from '@gamesocket/protocol';
import type { UserRef } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import { isEmptyDiff, LobbyDiff, settle } from './lobby-diff.js';

/** Most users one diff lists (a few hundred KB at most); more wait for the next interval. */
export const MAX_DIFF_USERS = 1000;
/** Longest a diff waits for the store's answer before it goes out unchecked (a slow Redis must not hold the lobby). */
export const READ_TIMEOUT_MS = 2000;

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
 * (`settle`). One diff at a time, of at most `MAX_DIFF_USERS` users; the timer is unref'd. `stop`
 * (end of a drain) sends what is pending and stops the timer; a change after it goes out at once.
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
    do {
      await this.flush();
    } while (this.pending.size > 0);
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
    const claims = this.pending.take(MAX_DIFF_USERS);
    try {
      if (claims.length === 0) return;
      const { diff, contradicted } = settle(claims, await this.current(claims.map((claim) => claim.userId)));
      if (!isEmptyDiff(diff)) this.deps.send(diff);
      if (contradicted.length > 0 && !this.stopped) this.pending.recheck(contradicted);
    } catch (err) {
      this.deps.log.warn({ err }, 'lobby presence diff failed');
    } finally {
      // Users past the size bound, and claims to look at again, go in the next interval (`stop` sends the rest).
      if (this.pending.size > 0 && !this.stopped) this.schedule();
    }
  }

  /**
   * The store's presence of these users, or undefined when it cannot be read within `READ_TIMEOUT_MS`
   * (the claims then go unchecked).
   */
  private async current(userIds: string[]): Promise<Map<string, UserPresence> | undefined> {
    if (!this.deps.storeUp()) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
      });
      const users = await Promise.race([this.deps.read(userIds), timeout]);
      return new Map(users.map((presence) => [presence.userId, presence]));
    } catch (err) {
      this.deps.log.debug({ err }, 'presence read for the lobby diff failed; sending it unchecked');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

import type { LobbyPresenceDiffPayload, UserPresence } from '@gamesocket/protocol';
import type { UserRef } from '@gamesocket/presence';

/**
 * What a pod tells the lobby about one user at the end of an interval, from its own transitions:
 * `online` (came online here, maybe after going offline here: listed with name and status),
 * `offline` (went offline here and did not come back here) or `status` (stayed online, status
 * changed). `recheck`: the store contradicted it once already.
 */
export type Claim =
  | { kind: 'online'; userId: string; username: string; status: string; recheck?: boolean }
  | { kind: 'offline'; userId: string; recheck?: boolean }
  | { kind: 'status'; userId: string; status: string; recheck?: boolean };

/** One user's transitions on this pod since the last `take`, netted. */
interface Pending {
  /** Online before the first transition of the interval (a first `online` says it was not). */
  wasOnline: boolean;
  online: boolean;
  /** Set while the user came online during the interval (and has not gone since). */
  username: string | undefined;
  status: string | undefined;
  recheck: boolean;
}

/**
 * One pod's presence transitions between two lobby diffs, netted per user (pure: no timer, no I/O).
 * A user who came and went within the interval yields nothing; one who went and came back yields
 * `online` with the new session's name and status (never `offline`: no flicker in the lobby).
 */
export class LobbyDiff {
  private readonly pending = new Map<string, Pending>();

  /** Users with a pending transition. */
  get size(): number {
    return this.pending.size;
  }

  /** `user`'s first socket anywhere arrived on this pod (a new session starts `online`). */
  online(user: UserRef): void {
    const entry = this.entry(user.userId, false);
    entry.online = true;
    entry.username = user.username;
    entry.status = 'online';
  }

  /** `userId`'s last socket anywhere went from this pod (or this pod swept or reaped it). */
  offline(userId: string): void {
    const entry = this.entry(userId, true);
    entry.online = false;
    entry.username = undefined;
    entry.status = undefined;
  }

  /** This pod stored a new status of an online user. */
  status(userId: string, status: string): void {
    const entry = this.entry(userId, true);
    entry.online = true;
    entry.status = status;
  }

  /**
   * The claims of the interval, one per user whose state changed, oldest first: at most `max`, the
   * users past them stay pending for the next interval. What is taken starts anew.
   */
  take(max = Infinity): Claim[] {
    const claims: Claim[] = [];
    for (const [userId, entry] of this.pending) {
      if (claims.length >= max) break;
      this.pending.delete(userId);
      const claim = claimOf(userId, entry);
      if (claim !== undefined) claims.push(claim);
    }
    return claims;
  }

  /**
   * Keeps claims the store contradicted for one more interval (marked `recheck`), unless the user
   * has a newer transition here, which supersedes them.
   */
  recheck(claims: readonly Claim[]): void {
    for (const claim of claims) {
      if (this.pending.has(claim.userId)) continue;
      this.pending.set(claim.userId, {
        wasOnline: claim.kind !== 'online',
        online: claim.kind !== 'offline',
        username: claim.kind === 'online' ? claim.username : undefined,
        status: claim.kind === 'offline' ? undefined : claim.status,
        recheck: true,
      });
    }
  }

  private entry(userId: string, wasOnline: boolean): Pending {
    let entry = this.pending.get(userId);
    if (entry === undefined) {
      entry = { wasOnline, online: wasOnline, username: undefined, status: undefined, recheck: false };
      this.pending.set(userId, entry);
    }
    entry.recheck = false;
    return entry;
  }
}

function claimOf(userId: string, entry: Pending): Claim | undefined {
  const recheck = entry.recheck ? { recheck: true } : {};
  if (!entry.online) return entry.wasOnline ? { kind: 'offline', userId, ...recheck } : undefined;
  const status = entry.status ?? 'online';
  return entry.username !== undefined
    ? { kind: 'online', userId, username: entry.username, status, ...recheck }
    : { kind: 'status', userId, status, ...recheck };
}

/** A diff and the claims the store contradicted (`recheck` set, to try once more). */
export interface Settled {
  diff: LobbyPresenceDiffPayload;
  contradicted: Claim[];
}

/**
 * The lobby diff of `claims`, checked against the store's presence of their users read just now
 * (`current`; undefined when the store could not be read: the claims go out as they are). A claim
 * the store contradicts was overtaken by another pod (a reload that landed elsewhere, a tab closed
 * elsewhere): that pod announces the newer state, so the claim is left out — and returned once, to
 * be checked again after one more interval, in case that pod's claim cancelled out. Listed statuses
 * are the stored ones.
 */
export function settle(claims: readonly Claim[], current?: ReadonlyMap<string, UserPresence>): Settled {
  const diff: LobbyPresenceDiffPayload = { online: [], offline: [], status: [] };
  const contradicted: Claim[] = [];
  for (const claim of claims) {
    const now = current?.get(claim.userId);
    if (now !== undefined && now.online !== (claim.kind !== 'offline')) {
      if (claim.recheck !== true) contradicted.push({ ...claim, recheck: true });
      continue;
    }
    if (claim.kind === 'offline') diff.offline.push(claim.userId);
    else {
      const status = now?.status ?? claim.status;
      if (claim.kind === 'online') diff.online.push({ userId: claim.userId, username: claim.username, status });
      else diff.status.push({ userId: claim.userId, status });
    }
  }
  return { diff, contradicted };
}

/** True when `diff` lists nobody. */
export function isEmptyDiff(diff: LobbyPresenceDiffPayload): boolean {
  return diff.online.length + diff.offline.length + diff.status.length === 0;
}

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A fixed-rate send schedule: broadcast `k` (1-based) is due at `t0 + (k - 1) * periodMs`. */
export interface Schedule {
  t0: number;
  periodMs: number;
  count: number;
}

/** The match of the lobby fanout's broadcasts (the rooms scenario names one match per room). */
export const LOBBY_MATCH = 'bench';

/** The frame every system under test sends for broadcast `seq` (of match `matchId`), as Socket.IO encodes it. */
export function fanoutPayload(
  seq: number,
  scheduledAt: number,
  matchId = LOBBY_MATCH,
): { matchId: string; seq: number; state: { t: number } } {
  return { matchId, seq, state: { t: scheduledAt } };
}

/** The match of rooms-scenario client `index` when rooms have `size` members: consecutive clients share a room. */
export function matchOf(index: number, size: number): string {
  return `m${Math.floor(index / size)}`;
}

/** The matches of the rooms scenario: `count` of them, `m0` .. `m<count-1>`. */
export function matchIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `m${i}`);
}

/** The Socket.IO event name of the fanout broadcasts (volatile in gamesocket: dropped for a client that lags). */
export const FANOUT_EVENT = 'match:state_update';

/**
 * The numbered event of the recovery scenario: a non-volatile one (`match:ended` takes an open payload), since
 * volatile events carry no recovery offset and are not promised to survive a reconnect.
 */
export const RECOVERY_EVENT = 'match:ended';

/** A publishable event the bench sends. */
export type BenchEvent = typeof FANOUT_EVENT | typeof RECOVERY_EVENT;

/**
 * Calls `send(seq, scheduledAt)` at each due time (no drift: each timer aims at its absolute time)
 * until `count` sends or `stop()`; resolves with the number of sends.
 */
export function runSchedule(
  schedule: Schedule,
  send: (seq: number, scheduledAt: number) => void,
): { done: Promise<number>; stop(): void } {
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: (n: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const tick = (): void => {
    seq++;
    const due = schedule.t0 + (seq - 1) * schedule.periodMs;
    send(seq, due);
    if (seq >= schedule.count) return finish(seq);
    timer = setTimeout(tick, Math.max(0, due + schedule.periodMs - nowMs()));
  };
  timer = setTimeout(tick, Math.max(0, schedule.t0 - nowMs()));
  return {
    done,
    stop() {
      clearTimeout(timer);
      finish(seq);
    },
  };
}

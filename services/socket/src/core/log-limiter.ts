/** Options of `limitLog`. */
export interface LogLimiterOptions {
  /** Length of one interval, ms. */
  intervalMs: number;
  /** Writes the first occurrence after a quiet interval, at once. */
  first(detail: string): void;
  /** Writes what an interval added after its first line: how many, and a few distinct details. */
  summary(count: number, samples: readonly string[]): void;
  /** Most distinct details a summary carries; default 5. */
  maxSamples?: number;
  /** Longest detail kept, in characters (a longer one is cut, `…` marks it); default 100. */
  maxDetailLength?: number;
}

/** A log line a client can trigger at will, bounded: see `limitLog`. */
export interface LogLimiter {
  /** Records one occurrence. */
  note(detail: string): void;
  /** Writes the pending summary now, if any, and stops the timer. */
  flush(): void;
}

/** `detail`, at most `max` characters: a longer one is cut and ends with `…`. */
export function truncate(detail: string, max: number): string {
  return detail.length <= max ? detail : `${detail.slice(0, max)}…`;
}

/**
 * Bounds a log line that clients can trigger (a refused origin, a malformed header): the first
 * occurrence after a quiet interval is written at once; the others are counted and written as one
 * summary line when the interval ends. However hard a flood, that is at most one line per interval,
 * and no line longer than `maxDetailLength` per detail. The timer never keeps the process alive.
 */
export function limitLog(options: LogLimiterOptions): LogLimiter {
  const { intervalMs, maxSamples = 5, maxDetailLength = 100 } = options;
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const samples = new Set<string>();

  const writeSummary = (): boolean => {
    if (count === 0) return false;
    options.summary(count, [...samples]);
    count = 0;
    samples.clear();
    return true;
  };
  // An interval that added lines is followed by another: a steady flood stays at one line per interval.
  const tick = (): void => {
    timer = writeSummary() ? setTimeout(tick, intervalMs).unref() : undefined;
  };

  return {
    note(detail) {
      const short = truncate(detail, maxDetailLength);
      if (timer === undefined) {
        options.first(short);
        timer = setTimeout(tick, intervalMs).unref();
        return;
      }
      count++;
      if (samples.size < maxSamples) samples.add(short);
    },
    flush() {
      clearTimeout(timer);
      timer = undefined;
      writeSummary();
    },
  };
}

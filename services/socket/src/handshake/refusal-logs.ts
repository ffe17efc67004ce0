import { limitLog, type LogLimiter } from '../core/log-limiter.js';
import type { Logger } from '../core/logger.js';

/** Refusals a client can trigger at will are logged at most once per this interval, with counts. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** The handshake's bounded log lines (see `limitLog`): what a client sends is never logged once per attempt. */
export interface RefusalLogs {
  /** A refused Origin header (cut to 100 characters). */
  origin: LogLimiter;
  /** A malformed X-Forwarded-For entry from a trusted proxy. */
  forwardedFor: LogLimiter;
  /** Writes the pending summaries (at shutdown). */
  flush(): void;
}

/** Creates the handshake's bounded log lines on `log`. */
export function createRefusalLogs(log: Logger, intervalMs = REFUSAL_LOG_INTERVAL_MS): RefusalLogs {
  const origin = limitLog({
    intervalMs,
    first: (value) => log.info({ origin: value }, 'handshake refused: origin not allowed'),
    summary: (count, origins) => log.info({ count, origins, intervalMs }, 'handshakes refused: origin not allowed'),
  });
  const forwardedFor = limitLog({
    intervalMs,
    first: (entry) =>
      log.warn(
        { entry },
        'malformed X-Forwarded-For entry from a trusted proxy: that client counts as the proxy for the per-address limits',
      ),
    summary: (count, entries) => log.warn({ count, entries, intervalMs }, 'malformed X-Forwarded-For entries'),
  });
  return {
    origin,
    forwardedFor,
    flush() {
      origin.flush();
      forwardedFor.flush();
    },
  };
}

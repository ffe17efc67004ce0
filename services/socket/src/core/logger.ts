import { pino, type Logger } from 'pino';

/** Paths whose values never reach a log line: cookies and bearer tokens. */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'handshake.headers.cookie',
  'handshake.headers.authorization',
  'cookie',
  'authorization',
  'token',
  'auth.token',
  'handshake.auth.token',
];

/** Builds the process logger: pino JSON, cookie/authorization redacted, tagged with the node id. */
export function createLogger(options: { level: string; nodeId: string }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { nodeId: options.nodeId },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

export type { Logger };

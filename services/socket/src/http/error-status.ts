import type { ErrorCode } from '@gamesocket/protocol';

const STATUS: Record<ErrorCode, number> = {
  AUTH_REQUIRED: 401,
  AUTH_EXPIRED: 401,
  INVALID_PAYLOAD: 400,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  CONNECTION_LIMIT: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The HTTP edge: the status a `ServiceError` code answers with. */
export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code];
}

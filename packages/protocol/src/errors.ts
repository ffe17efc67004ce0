/**
 * Stable error codes. Clients switch on these strings; never rename one.
 */
export const ERROR_CODES = {
  /** The event needs an authenticated user; the socket is anonymous. */
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  /** The socket's token reached its `exp`; the transport is closed right after. */
  AUTH_EXPIRED: 'AUTH_EXPIRED',
  /** The payload does not match the event's schema, or the event is unknown. */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** Authenticated, but not allowed (room membership, ticket, origin). */
  FORBIDDEN: 'FORBIDDEN',
  /** Too many events; slow down. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The message exceeds the configured size limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The user holds the maximum number of sockets across the cluster. */
  CONNECTION_LIMIT: 'CONNECTION_LIMIT',
  /** The feature needs a backend (e.g. Redis) that this deployment lacks or that is down. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A bug on the server; logged there with details. */
  INTERNAL: 'INTERNAL',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The error body carried by a failed ack and by `system:error`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

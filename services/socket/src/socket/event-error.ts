import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@gamesocket/protocol';

/** An error a handler throws to answer the client with a stable code. */
export class EventError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventError';
  }
}

/**
 * Maps anything a handler threw to the body sent to the client. Only `EventError`s keep their
 * message; everything else is `INTERNAL` so no internals leak.
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof EventError) return { code: err.code, message: err.message };
  return { code: ERROR_CODES.INTERNAL, message: 'internal error' };
}

/** A middleware refusal: Socket.IO sends `err.data` to the client's `connect_error`. */
export function handshakeError(code: ErrorCode, message: string, reason: string): Error & { data: ErrorBody } {
  return Object.assign(new Error(reason), { data: { code, message } });
}

import type { ErrorCode } from '@gamesocket/protocol';

/**
 * The service's one error base: a failure with a stable code (`ERROR_CODES`). Modules throw it (or pass
 * it to a middleware's `next`); only the edges turn it into what a caller sees — an ack or
 * `system:error` (`events/error-body.ts`), a handshake refusal (`handshake/handshake-error.ts`) or an
 * HTTP status (`http/error-status.ts`).
 */
export class ServiceError extends Error {
  /**
   * @param code the stable code callers switch on.
   * @param message what the client or caller is told.
   * @param reason a short summary for a handshake refusal (the client's `connect_error` message);
   *   defaults to `message`.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason: string = message,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

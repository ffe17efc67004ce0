import type { ErrorBody } from '@gamesocket/protocol';
import { ServiceError } from '../core/errors.js';

/**
 * The handshake edge: a middleware refusal as Socket.IO sends it to the client's `connect_error`
 * (`err.message` the short reason, `err.data` the stable `{ code, message }`). Other errors pass as they are.
 */
export function toHandshakeError(err: Error): Error {
  if (!(err instanceof ServiceError)) return err;
  return Object.assign(new Error(err.reason), { data: { code: err.code, message: err.message } satisfies ErrorBody });
}

import { ERROR_CODES, type ErrorBody } from '@gamesocket/protocol';
import { ServiceError } from '../core/errors.js';

/**
 * The ack edge: maps anything a handler threw to the body sent to the client. Only `ServiceError`s
 * keep their message; everything else is `INTERNAL` so no internals leak.
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ServiceError) return { code: err.code, message: err.message };
  return { code: ERROR_CODES.INTERNAL, message: 'internal error' };
}

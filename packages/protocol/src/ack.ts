import type { ErrorBody, ErrorCode } from './errors.js';

/** A successful ack: `{ ok: true, data? }`. */
export interface AckOk<T = undefined> {
  ok: true;
  data?: T;
}

/** A failed ack: `{ ok: false, error: { code, message } }`. */
export interface AckError {
  ok: false;
  error: ErrorBody;
}

/** The envelope every acknowledged client event answers with. */
export type Ack<T = undefined> = AckOk<T> | AckError;

/** The callback a client passes as the last argument of an emit. */
export type AckCallback<T = undefined> = (response: Ack<T>) => void;

/** Builds a successful ack. */
export function ackOk<T>(data?: T): AckOk<T> {
  return data === undefined ? { ok: true } : { ok: true, data };
}

/** Builds a failed ack. */
export function ackError(code: ErrorCode, message: string): AckError {
  return { ok: false, error: { code, message } };
}

/** Why an emitter call failed. */
export type EmitterErrorCode = 'UNAVAILABLE' | 'INVALID_PAYLOAD';

/** Thrown (as a rejection) by every emitter call that could not be carried out. */
export class EmitterError extends Error {
  constructor(
    readonly code: EmitterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmitterError';
  }
}

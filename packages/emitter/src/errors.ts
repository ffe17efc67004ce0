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

/**
 * Runs one Redis `read` or `write`; a failure rejects with `EmitterError` UNAVAILABLE ("redis write failed: …"),
 * the Redis error as its `cause`.
 */
export async function redisCall<T>(kind: 'read' | 'write', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new EmitterError('UNAVAILABLE', `redis ${kind} failed: ${(err as Error).message}`, { cause: err });
  }
}

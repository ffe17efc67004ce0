import type { RequestStage } from './pipeline.js';

/** The handshake's first stage: a draining pod takes no new session, so the client's retry lands on another pod. */
export function refuseWhileDraining(isDraining: () => boolean): RequestStage {
  return () => (isDraining() ? 'server is shutting down' : undefined);
}

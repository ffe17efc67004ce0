import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../core/metrics.js';

/** Readiness as the probes see it. */
export interface Readiness {
  /** Undefined when ready; else why not (e.g. `draining`). */
  notReadyReason(): string | undefined;
}

/** `GET /healthz` (process alive), `GET /readyz` (503 while not ready), `GET /metrics`. */
export function registerHealthRoutes(app: FastifyInstance, deps: { readiness: Readiness; metrics: Metrics }): void {
  // Probes hit these every few seconds: keep their request logs out of `info`.
  const quiet = { logLevel: 'warn' as const };
  app.get('/healthz', quiet, async () => ({ status: 'ok' }));
  app.get('/readyz', quiet, async (_request, reply) => {
    const reason = deps.readiness.notReadyReason();
    if (reason !== undefined) return reply.code(503).send({ status: 'unavailable', reason });
    return { status: 'ready' };
  });
  app.get('/metrics', quiet, async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}

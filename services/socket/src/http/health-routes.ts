import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../core/metrics.js';

/** Readiness as the probes see it. */
export interface Readiness {
  /** Undefined when ready; else why not (e.g. `draining`). */
  notReadyReason(): string | undefined;
}

// Probes and scrapers hit these every few seconds: keep their request logs out of `info`.
const quiet = { logLevel: 'warn' as const };

/** `GET /healthz` (process alive), `GET /readyz` (503 while not ready): always on the main port. */
export function registerHealthRoutes(app: FastifyInstance, deps: { readiness: Readiness }): void {
  app.get('/healthz', quiet, async () => ({ status: 'ok' }));
  app.get('/readyz', quiet, async (_request, reply) => {
    const reason = deps.readiness.notReadyReason();
    if (reason !== undefined) return reply.code(503).send({ status: 'unavailable', reason });
    return { status: 'ready' };
  });
}

/** `GET /metrics` (Prometheus): on the main port, or on the METRICS_PORT listener when there is one. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', quiet, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

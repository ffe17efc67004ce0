import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';

/**
 * The operators' listener of `METRICS_PORT`: `/metrics` and `/admin` move here, off the port clients
 * reach, so the load balancer never exposes them and a network policy can open this port to the
 * scraper only. Nothing is registered yet; `app.ts` adds the routes.
 */
export function createOpsServer(log: FastifyBaseLogger, requestTimeoutMs: number): FastifyInstance {
  return Fastify({ loggerInstance: log, requestTimeout: requestTimeoutMs, bodyLimit: 1024 });
}

import { ackError, ackOk, domainOf, isEventName, type ErrorBody } from '@gamesocket/protocol';
import type { Metrics } from '../core/metrics.js';
import type { GameSocket } from '../core/socket-types.js';
import { notify } from '../delivery/notify.js';
import { authCheck } from './auth-check.js';
import { catalogueCheck } from './catalogue-check.js';
import { toErrorBody } from './error-body.js';
import { floodGuard } from './flood-guard.js';
import type { EventHandlers, HandlerContext, SharedContext } from './handler.js';
import type { Ack, Inbound, Stage } from './inbound.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { schemaCheck } from './schema-check.js';
import { ServiceError } from '../core/errors.js';

/** Per-socket rate limit: a token bucket; a socket refused `5 x burst` times in a row is disconnected. */
export interface RateLimitOptions {
  perSec: number;
  burst: number;
}

/**
 * The client-event pipeline. Before it, the packet guard (`packet-guard.ts`, Socket.IO's parser) has
 * refused malformed packets at the protocol level; then every event crosses, in order:
 *
 * 1. rate limit (`flood-guard.ts`) 2. catalogue (`catalogue-check.ts`) 3. auth (`auth-check.ts`)
 * 4. schema (`schema-check.ts`) 5. the handler (`handlers/`), inside one error boundary: a throwing
 * handler answers `INTERNAL` to that client only and is logged. Refusals go to the ack when there is
 * one, else out as `system:error` (the ack edge, `error-body.ts`). Returns what attaches it to a socket.
 */
export function createEventPipeline(
  handlers: EventHandlers,
  deps: { metrics: Metrics; rateLimit: RateLimitOptions; shared: SharedContext },
): (socket: GameSocket) => void {
  const { metrics, rateLimit, shared } = deps;
  const stages: readonly Stage[] = [floodGuard(rateLimit.burst), catalogueCheck(handlers), authCheck(), schemaCheck()];
  // Made on a socket's first event: an idle socket holds neither its context nor its bucket.
  const routed = new WeakMap<GameSocket, { ctx: HandlerContext; limiter: RateLimiter }>();

  const reject = (ctx: HandlerContext, event: string, ack: Ack | undefined, error: ErrorBody): void => {
    metrics.eventsRejected.inc({ code: error.code });
    if (ack !== undefined) ack(ackError(error.code, error.message));
    else notify(ctx.socket, 'system:error', { ...error, event: event.slice(0, 64) });
  };

  const dispatch = async (inbound: Inbound): Promise<void> => {
    const { ctx, name, ack } = inbound;
    try {
      for (const stage of stages) {
        const verdict = stage(inbound);
        if (verdict === undefined) continue;
        if (verdict.silent === true) metrics.eventsRejected.inc({ code: verdict.refuse.code });
        else reject(ctx, name, ack, verdict.refuse);
        return;
      }
      const handler = inbound.handler!;
      const result = await handler.handle(ctx, inbound.args[0] as never);
      if (ack === undefined) handler.withoutAck?.(ctx, result);
      else ack(handler.rawAck ? result : ackOk(result));
    } catch (err) {
      if (!(err instanceof ServiceError)) {
        ctx.log.error({ err, event: name, socketId: ctx.socket.id }, 'event handler failed');
      }
      reject(ctx, name, ack, toErrorBody(err));
    }
  };

  // One listener for every socket (Socket.IO calls it with the socket as `this`), not a closure per socket.
  function route(this: GameSocket, event: unknown, ...args: unknown[]): void {
    let state = routed.get(this);
    if (state === undefined) {
      state = { ctx: { ...shared, socket: this }, limiter: createRateLimiter(rateLimit.perSec, rateLimit.burst) };
      routed.set(this, state);
    }
    const name = typeof event === 'string' ? event : String(event);
    metrics.eventsReceived.inc({ domain: isEventName(name) ? domainOf(name) : 'unknown' });
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    dispatch({ ctx: state.ctx, name, args, ack, limiter: state.limiter }).catch((err: unknown) =>
      state.ctx.log.error({ err }, 'event dispatch failed'),
    );
  }

  /** Attaches the pipeline to one socket. */
  return (socket: GameSocket): void => {
    socket.onAny(route);
  };
}

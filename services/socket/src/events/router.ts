import {
  CLIENT_EVENT_SCHEMAS,
  ackError,
  ackOk,
  domainOf,
  isEventName,
  type ClientEventName,
  type ClientPayload,
  type ErrorBody,
} from '@gamesocket/protocol';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { requireAuth } from '../auth/require-auth.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';
import type { RoomTicketVerifier } from '../auth/room-tickets.js';
import type { IntentWriter } from '../intents/intent-stream.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { ServiceError } from '../core/errors.js';
import { toErrorBody } from './error-body.js';
import { notify } from '../delivery/notify.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';

/** What a handler gets besides its payload. */
export interface HandlerContext {
  io: GameServer;
  socket: GameSocket;
  log: Logger;
  nodeId: string;
  presence: PresenceTracker;
  tickets: RoomTicketVerifier;
  intents: IntentWriter;
}

/** Per-socket rate limit: a token bucket; a socket refused `5 x burst` times in a row is disconnected. */
export interface RateLimitOptions {
  perSec: number;
  burst: number;
}

/** How one client event is handled. */
export interface EventHandler<E extends ClientEventName> {
  /** True when the event needs a signed-in user (`AUTH_REQUIRED` otherwise). */
  auth: boolean;
  /** Does the work; the returned value is the ack's `data`. Throw `ServiceError` to refuse. */
  handle(ctx: HandlerContext, payload: ClientPayload<E>): unknown;
  /** Ack with the raw result instead of the `{ ok, data }` envelope (only `system:ping`). */
  rawAck?: boolean;
  /** Called instead of an ack when the client sent none and the result should still go out. */
  withoutAck?(ctx: HandlerContext, result: unknown): void;
}

/** The handlers of the client events this server implements. */
export type EventHandlers = { [E in ClientEventName]?: EventHandler<E> };

type AnyHandler = EventHandler<ClientEventName>;
type Ack = (response: unknown) => void;

const validators = new Map<string, TypeCheck<TSchema>>(
  Object.entries(CLIENT_EVENT_SCHEMAS).map(([event, schema]) => [event, TypeCompiler.Compile(schema)]),
);

/** What every socket's handler context shares (the context adds the socket). */
export type SharedContext = Omit<HandlerContext, 'socket'>;

/**
 * Routes every inbound event of a socket through one error boundary: unknown events, extra
 * arguments, auth and schema are checked before a handler runs; a throwing handler answers
 * `INTERNAL` to that client only and is logged. Errors go to the ack when there is one, else
 * out as `system:error`.
 */
export function createEventRouter(
  handlers: EventHandlers,
  deps: { metrics: Metrics; rateLimit: RateLimitOptions; shared: SharedContext },
): (socket: GameSocket) => void {
  const { metrics, rateLimit, shared } = deps;
  const floodLimit = rateLimit.burst * 5;
  // Made on a socket's first event: an idle socket holds neither its context nor its bucket.
  const routed = new WeakMap<GameSocket, { ctx: HandlerContext; limiter: RateLimiter }>();
  const reject = (ctx: HandlerContext, event: string, ack: Ack | undefined, error: ErrorBody): void => {
    metrics.eventsRejected.inc({ code: error.code });
    if (ack !== undefined) ack(ackError(error.code, error.message));
    else notify(ctx.socket, 'system:error', { ...error, event: event.slice(0, 64) });
  };

  const dispatch = async (
    ctx: HandlerContext,
    limiter: RateLimiter,
    event: unknown,
    args: unknown[],
  ): Promise<void> => {
    const name = typeof event === 'string' ? event : String(event);
    metrics.eventsReceived.inc({ domain: isEventName(name) ? domainOf(name) : 'unknown' });
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    if (!limiter.take()) {
      const refused = limiter.refusedInARow;
      if (refused >= floodLimit) {
        metrics.eventsRejected.inc({ code: 'RATE_LIMITED' });
        if (refused === floodLimit) {
          ctx.log.info(
            { socketId: ctx.socket.id, userId: ctx.socket.data.user?.userId },
            'flooding socket disconnected',
          );
          notify(ctx.socket, 'system:error', { code: 'RATE_LIMITED', message: 'too many events: disconnected' });
          ctx.socket.disconnect(true);
        }
        return;
      }
      // Every ack is answered; without ack, only the first refusal of a streak is reported.
      if (ack !== undefined || refused === 1) {
        reject(ctx, name, ack, { code: 'RATE_LIMITED', message: 'too many events, slow down' });
      } else {
        metrics.eventsRejected.inc({ code: 'RATE_LIMITED' });
      }
      return;
    }

    const handler = (handlers as Record<string, AnyHandler | undefined>)[name];
    const validator = validators.get(name);
    if (handler === undefined || validator === undefined) {
      const error: ErrorBody = validator
        ? { code: 'UNAVAILABLE', message: `${name} is not served by this server` }
        : { code: 'INVALID_PAYLOAD', message: 'unknown event' };
      reject(ctx, name, ack, error);
      return;
    }
    if (args.length > 1) {
      reject(ctx, name, ack, { code: 'INVALID_PAYLOAD', message: 'expected one payload argument' });
      return;
    }
    const payload = args[0];
    try {
      if (handler.auth) requireAuth(ctx.socket);
      if (!validator.Check(payload)) {
        const first = validator.Errors(payload).First();
        const where = first?.path ? `${first.path}: ` : '';
        throw new ServiceError('INVALID_PAYLOAD', `${where}${first?.message ?? 'invalid payload'}`);
      }
      const result = await handler.handle(ctx, payload as ClientPayload<ClientEventName>);
      if (ack === undefined) handler.withoutAck?.(ctx, result);
      else ack(handler.rawAck ? result : ackOk(result));
    } catch (err) {
      if (!(err instanceof ServiceError))
        ctx.log.error({ err, event: name, socketId: ctx.socket.id }, 'event handler failed');
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
    const { ctx, limiter } = state;
    dispatch(ctx, limiter, event, args).catch((err: unknown) => ctx.log.error({ err }, 'event dispatch failed'));
  }

  /** Attaches the router to one socket. */
  return (socket: GameSocket): void => {
    socket.onAny(route);
  };
}

import type { ErrorBody } from '@gamesocket/protocol';
import type { RateLimiter } from './rate-limiter.js';
import type { AnyHandler, HandlerContext } from './handler.js';

/** The ack callback a client sent with its event. */
export type Ack = (response: unknown) => void;

/** One client event on its way through the pipeline. */
export interface Inbound {
  ctx: HandlerContext;
  /** The event name as sent (a string, or what the client sent in its place, stringified). */
  name: string;
  /** The arguments after the name, the ack removed. */
  args: unknown[];
  ack: Ack | undefined;
  /** The socket's bucket (made on its first event). */
  limiter: RateLimiter;
  /** Set by the catalogue stage: the handler of `name`. */
  handler?: AnyHandler;
}

/**
 * What a stage decided: `undefined` lets the event go on; a refusal answers the client (to its ack,
 * else as `system:error`) unless `silent`, and is counted either way.
 */
export type Verdict = undefined | { refuse: ErrorBody; silent?: boolean };

/** A stage of the client-event pipeline. */
export type Stage = (event: Inbound) => Verdict;

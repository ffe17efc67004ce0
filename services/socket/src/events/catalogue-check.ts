import { CLIENT_EVENT_SCHEMAS } from '@gamesocket/protocol';
import type { AnyHandler, EventHandlers } from './handler.js';
import type { Stage } from './inbound.js';

/**
 * The catalogue stage: the event must be a client event of the catalogue that this server serves
 * (`INVALID_PAYLOAD: unknown event` / `UNAVAILABLE`), sent with one payload argument at most. Sets
 * `event.handler`.
 */
export function catalogueCheck(handlers: EventHandlers): Stage {
  const served = handlers as Record<string, AnyHandler | undefined>;
  return (event) => {
    const handler = served[event.name];
    const known = Object.hasOwn(CLIENT_EVENT_SCHEMAS, event.name);
    if (handler === undefined || !known) {
      return {
        refuse: known
          ? { code: 'UNAVAILABLE', message: `${event.name} is not served by this server` }
          : { code: 'INVALID_PAYLOAD', message: 'unknown event' },
      };
    }
    if (event.args.length > 1) return { refuse: { code: 'INVALID_PAYLOAD', message: 'expected one payload argument' } };
    event.handler = handler;
    return undefined;
  };
}

import type { PingResponse } from '@gamesocket/protocol';
import { notify } from '../../delivery/notify.js';
import type { EventHandlers } from '../handler.js';

/** `system:*` client events. */
export const systemHandlers: EventHandlers = {
  'system:ping': {
    auth: false,
    rawAck: true,
    handle: (): PingResponse => ({ pong: true, timestamp: Date.now() }),
    withoutAck: ({ socket }, result) =>
      notify(socket, 'system:pong', { timestamp: (result as PingResponse).timestamp }),
  },
};

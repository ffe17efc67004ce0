import type { EventHandlers } from '../handler.js';
import { intentHandlers } from './intent-handlers.js';
import { lobbyHandlers } from './lobby-handlers.js';
import { playerHandlers } from './player-handlers.js';
import { roomHandlers } from './room-handlers.js';
import { systemHandlers } from './system-handlers.js';

/** Every client event handler this server serves. */
export const handlers: EventHandlers = {
  ...systemHandlers,
  ...lobbyHandlers,
  ...playerHandlers,
  ...roomHandlers,
  ...intentHandlers,
};

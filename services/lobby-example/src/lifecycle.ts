import { parseRoom, type LifecycleEntry } from '@gamesocket/protocol';
import type { Publisher } from './publish.js';
import type { RoomStore } from './rooms.js';

/** Dependencies of `createLifecycleHandler`. */
export interface LifecycleDeps {
  store: RoomStore;
  publisher: Publisher;
}

/**
 * The handler of the socket service's lifecycle feed. A seat is held while its player's membership
 * lasts — through a dropped connection, for the service's grace — and freed when
 * `room:player_left` says the membership ended (left, kicked, closed or expired): the lobby's
 * counts go down, and a room left empty is deleted. Idempotent: an entry seen again changes
 * nothing (a seat is freed once).
 */
export function createLifecycleHandler({ store, publisher }: LifecycleDeps): (entry: LifecycleEntry) => Promise<void> {
  return async (entry) => {
    if (entry.event !== 'room:player_left') return;
    const { userId, room } = entry.data;
    const parsed = room === undefined ? undefined : parseRoom(room);
    if (userId === undefined || parsed?.kind !== 'room') return;
    const changed = store.leave(parsed.id, userId);
    if (changed === 'left') await publisher.roomList();
    if (changed === 'emptied') await publisher.roomDeleted(parsed.id);
  };
}

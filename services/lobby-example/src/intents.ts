import { rooms as roomNames, type IntentEntry, type IntentEvent, type PublicUser } from '@gamesocket/protocol';
import type { GameEmitter, IntentHandler } from '@gamesocket/emitter';
import type { Publisher } from './publish.js';
import type { RoomStore } from './rooms.js';

/** How many handled intent ids are remembered to drop redeliveries. */
const REMEMBERED_IDS = 10_000;

/** Narrows an entry to one event, so its payload has that event's type. */
function is<E extends IntentEvent>(entry: IntentEntry, event: E): entry is IntentEntry<E> {
  return entry.event === event;
}

/** Dependencies of `createIntentHandler`. */
export interface IntentDeps {
  /** Used for `joinRoom`: the creator enters the room server-side. */
  emitter: GameEmitter;
  store: RoomStore;
  publisher: Publisher;
}

/**
 * The handler of the `room` intent stream. The sender is always the one the socket service
 * stamped on the entry, never anything in the payload. Delivery is at-least-once, so an intent id
 * handled before is skipped, and `room:create` is keyed by its id (a retry after a failed publish
 * reuses the room). An intent for a room this backend does not know, or from a non-member, is
 * dropped (acknowledged without effect); so is a `room:create` when the list is full (`MAX_ROOMS`).
 */
export function createIntentHandler({ emitter, store, publisher }: IntentDeps): IntentHandler {
  const handled = new Set<string>();
  const remember = (id: string): void => {
    handled.add(id);
    // A Set iterates in insertion order: drop the oldest.
    if (handled.size > REMEMBERED_IDS) handled.delete(handled.values().next().value ?? id);
  };

  return async (entry) => {
    if (handled.has(entry.id)) return;
    const sender: PublicUser = { userId: entry.sender.userId, username: entry.sender.username };
    if (is(entry, 'room:create')) {
      const room = store.create(entry.id, entry.payload.name, entry.payload.maxPlayers, sender);
      if (room !== undefined) {
        // A membership: the service announces room:player_joined (the creator learns the room id from it).
        await emitter.joinRoom({
          userId: sender.userId,
          username: sender.username,
          rooms: [roomNames.room(room.roomId)],
        });
        await publisher.roomCreated(room);
      }
    } else if (is(entry, 'room:player_ready')) {
      const { roomId, ready } = entry.payload;
      if (store.setReady(roomId, sender.userId, ready)) {
        await publisher.playerReady(roomId, sender.userId, ready);
      }
    } else if (is(entry, 'room:chat_message')) {
      const { roomId, text } = entry.payload;
      if (store.isMember(roomId, sender.userId)) {
        await publisher.chatMessage(roomId, sender, text, entry.timestamp);
      }
    }
    remember(entry.id);
  };
}

import type { PublicUser, UserId } from '@gamesocket/protocol';
import type { GameEmitter } from '@gamesocket/emitter';
import type { Room, RoomStore } from './rooms.js';

/** The events this backend publishes, each to the audience that should see it. */
export interface Publisher {
  /** `room:created` and then the new `lobby:room_list`, to the lobby. */
  roomCreated(room: Room): Promise<void>;
  /** The current `lobby:room_list` (room player counts), to the lobby. */
  roomList(): Promise<void>;
  /** `room:delete`, to the lobby and the room, then the new `lobby:room_list`. */
  roomDeleted(roomId: string): Promise<void>;
  /** `room:player_ready`, to the room. */
  playerReady(roomId: string, userId: UserId, ready: boolean): Promise<void>;
  /** `room:chat_message`, to the room; `from` is the intent's stamped sender. */
  chatMessage(roomId: string, from: PublicUser, text: string, timestamp: number): Promise<void>;
}

/** Builds the publisher over an emitter and the room list it reports. */
export function createPublisher(emitter: GameEmitter, store: RoomStore): Publisher {
  const publisher: Publisher = {
    async roomCreated(room) {
      await emitter.toLobby().emit('room:created', store.summary(room));
      await publisher.roomList();
    },
    roomList: () => emitter.toLobby().emit('lobby:room_list', { rooms: store.list() }),
    async roomDeleted(roomId) {
      await emitter.to(['lobby', `room:${roomId}`]).emit('room:delete', { roomId });
      await publisher.roomList();
    },
    playerReady: (roomId, userId, ready) => emitter.toRoom(roomId).emit('room:player_ready', { roomId, userId, ready }),
    chatMessage: (roomId, from, text, timestamp) =>
      emitter.toRoom(roomId).emit('room:chat_message', { roomId, from, text, timestamp }),
  };
  return publisher;
}

// The limit: a raw `ws` server that broadcasts the same Socket.IO-encoded frames to every client,
// with no Engine.IO/Socket.IO layer, no auth and no broker. Listens on PORT.
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveRpc } from '../lib/rpc.js';
import { FANOUT_EVENT, fanoutPayload, runSchedule, type Schedule } from '../lib/schedule.js';
import { roomOfUrl, RoomSets } from './room-sets.js';

const server = createServer((_req, res) => res.end('ok'));
const wss = new WebSocketServer({ server, maxPayload: 16_384 });
const rooms = new RoomSets<WebSocket>();
wss.on('connection', (socket, request) => {
  socket.on('error', () => undefined);
  const room = roomOfUrl(request.url);
  if (room !== undefined) {
    rooms.add(room, socket);
    socket.on('close', () => rooms.delete(room, socket));
  }
});

serveRpc({
  /** Each tick: one frame to every client, or (`matches`) one frame per match to that match's clients. */
  broadcast: ({ matches, ...schedule }: Schedule & { matches?: string[] }) =>
    runSchedule(schedule, (seq, at) => {
      if (matches === undefined) {
        const frame = `42${JSON.stringify([FANOUT_EVENT, fanoutPayload(seq, at)])}`;
        for (const client of wss.clients) client.send(frame);
        return;
      }
      for (const match of matches) {
        const members = rooms.get(match);
        if (members === undefined) continue;
        const frame = `42${JSON.stringify([FANOUT_EVENT, fanoutPayload(seq, at, match)])}`;
        for (const client of members) client.send(frame);
      }
    }).done,
});
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT), '127.0.0.1');

// The limit: a raw `ws` server that broadcasts the same Socket.IO-encoded frames to every client,
// with no Engine.IO/Socket.IO layer, no auth and no broker. Listens on PORT.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { serveRpc } from '../lib/rpc.js';
import { FANOUT_EVENT, fanoutPayload, runSchedule, type Schedule } from '../lib/schedule.js';

const server = createServer((_req, res) => res.end('ok'));
const wss = new WebSocketServer({ server, maxPayload: 16_384 });
wss.on('connection', (socket) => socket.on('error', () => undefined));

serveRpc({
  broadcast: (schedule: Schedule) =>
    runSchedule(schedule, (seq, at) => {
      const frame = `42${JSON.stringify([FANOUT_EVENT, fanoutPayload(seq, at)])}`;
      for (const client of wss.clients) client.send(frame);
    }).done,
});
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT), '127.0.0.1');

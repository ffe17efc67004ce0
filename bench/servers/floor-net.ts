// The floor: plain `net.Socket` writes of the same frames. The WebSocket upgrade is answered by hand
// so the same clients connect; each broadcast is framed once and written to every socket.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { serveRpc } from '../lib/rpc.js';
import { FANOUT_EVENT, fanoutPayload, runSchedule, type Schedule } from '../lib/schedule.js';
import { roomOfUrl, RoomSets } from './room-sets.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const clients = new Set<Socket>();
const rooms = new RoomSets<Socket>();

// An unmasked server->client text frame (RFC 6455 section 5.2).
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 65_536
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), Buffer.alloc(8)]);
  if (length >= 65_536) header.writeBigUInt64BE(BigInt(length), 2);
  return Buffer.concat([header, payload]);
}

const server = createServer((socket) => {
  socket.on('error', () => undefined);
  let request = '';
  const onData = (chunk: Buffer): void => {
    request += chunk.toString('latin1');
    if (!request.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1];
    if (key === undefined) return void socket.destroy();
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    clients.add(socket);
    const room = roomOfUrl(/^GET (\S+)/.exec(request)?.[1]);
    if (room !== undefined) {
      rooms.add(room, socket);
      socket.on('close', () => rooms.delete(room, socket));
    }
    // Client frames are dropped; a close frame (opcode 8) is answered by closing the socket.
    socket.on('data', (frame: Buffer) => {
      if (((frame[0] ?? 0) & 0x0f) === 8) socket.end();
    });
  };
  socket.on('data', onData);
  socket.on('close', () => clients.delete(socket));
  socket.on('end', () => socket.end());
});

serveRpc({
  /** Each tick: one frame to every socket, or (`matches`) one frame per match to that match's sockets. */
  broadcast: ({ matches, ...schedule }: Schedule & { matches?: string[] }) =>
    runSchedule(schedule, (seq, at) => {
      if (matches === undefined) {
        const frame = textFrame(`42${JSON.stringify([FANOUT_EVENT, fanoutPayload(seq, at)])}`);
        for (const socket of clients) socket.write(frame);
        return;
      }
      for (const match of matches) {
        const members = rooms.get(match);
        if (members === undefined) continue;
        const frame = textFrame(`42${JSON.stringify([FANOUT_EVENT, fanoutPayload(seq, at, match)])}`);
        for (const socket of members) socket.write(frame);
      }
    }).done,
});
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT), '127.0.0.1');

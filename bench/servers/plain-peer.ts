// The plain peer: what a team builds from the Socket.IO docs — socket.io + @socket.io/redis-adapter,
// naive cookie auth (jose verify per handshake, key encoded per call, no caching). A bench baseline,
// not product code. Env: PORT, REDIS_URL, JWT_SECRET, ALLOWED_ORIGINS, PING_INTERVAL_MS (as the service's).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { parseCookie } from 'cookie';
import { jwtVerify } from 'jose';

const pub = new Redis(process.env.REDIS_URL ?? '');
const sub = pub.duplicate();
const httpServer = createServer();
const io = new Server(httpServer, {
  cors: { origin: (process.env.ALLOWED_ORIGINS ?? '').split(','), credentials: true },
  adapter: createAdapter(pub, sub),
  pingInterval: Number(process.env.PING_INTERVAL_MS ?? 25_000),
});

io.use(async (socket, next) => {
  const token = parseCookie(socket.request.headers.cookie ?? '').accessToken;
  if (token === undefined) return next();
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(process.env.JWT_SECRET));
    socket.data.user = { userId: payload.sub, username: payload.username };
  } catch {
    socket.data.user = null;
  }
  next();
});

io.on('connection', (socket) => {
  const user = socket.data.user as { userId: string } | undefined;
  if (user) void socket.join(`user:${user.userId}`);
  socket.on('lobby:join', async (ack?: (r: unknown) => void) => {
    await socket.join('lobby');
    if (typeof ack === 'function') ack({ ok: true });
  });
  // The rooms scenario: a client joins its match (what a team's own join handler would do).
  socket.on('match:join', async (matchId: unknown, ack?: (r: unknown) => void) => {
    if (typeof matchId === 'string') await socket.join(`match:${matchId}`);
    if (typeof ack === 'function') ack({ ok: typeof matchId === 'string' });
  });
});

process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
httpServer.listen(Number(process.env.PORT), '127.0.0.1');

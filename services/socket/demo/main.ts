/**
 * The demo lobby: a game frontend built on @gamesocket/client. Served at `/` by the socket service when
 * `/dev/login` exists (dev auth, or DEV_LOGIN=true), bundled by esbuild into dist/demo/demo.js (`npm run build`).
 *
 * It signs in with `/dev/login`, joins the lobby, shows who is online (the lobby's `lobby:presence_diff`s applied to the
 * list, plus the users it watches with `player:watch`),
 * lobby stats, the example backend's room list, creates rooms (a `room:create` intent) and joins them (a ticket from
 * the backend, then `room:join`), readies up and chats (intents the backend answers with room events), and shows the
 * connection state and latency. The end-to-end test (services/socket/test/demo-e2e.test.ts) drives it through
 * the element ids and `data-*` attributes used here.
 */
import { createGameSocket, type ConnectedPayload, type GameSocket } from '@gamesocket/client';
import {
  parseRoom,
  type LobbyPresenceDiffPayload,
  type PublicUser,
  type RoomMemberPresence,
  type RoomSummary,
} from '@gamesocket/protocol';
import { LobbyApi, lobbyUrl, type RoomDetail } from './lobby-api.js';
import { byId, el, fill, log } from './view.js';

/** One line of the "who is online" list. */
interface Player {
  username: string;
  online: boolean;
  status: string | null;
}

/** The room this page is in. */
interface CurrentRoom {
  roomId: string;
  name: string;
  maxPlayers: number;
  /** Members by user id: their ready flag (the backend's) and whether they have a socket anywhere (presence). */
  members: Map<string, { username: string; ready: boolean; online: boolean }>;
}

/** Shown in `#state` (and its `data-state`): what the connection is doing now. */
type ConnectionState = 'connecting' | 'connected' | 'recovered' | 'reconnecting' | 'disconnected' | 'refused';

const PING_EVERY_MS = 2000;
const STATS_EVERY_MS = 3000;

const api = new LobbyApi(lobbyUrl(window.location));
const players = new Map<string, Player>();
let rooms: RoomSummary[] = [];
let current: CurrentRoom | undefined;
let me: PublicUser | null = null;
let game: GameSocket | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

function setState(state: ConnectionState, detail = ''): void {
  const badge = byId('state');
  badge.dataset.state = state;
  badge.textContent = detail === '' ? state : `${state} (${detail})`;
}

function renderMe(info: ConnectedPayload): void {
  byId('me').textContent =
    info.user === null ? `anonymous (auth: ${info.auth})` : `${info.user.username} (auth: ${info.auth})`;
  byId('node').textContent = info.nodeId;
  document.body.dataset.user = info.user?.userId ?? '';
}

function renderPlayers(): void {
  const sorted = [...players.entries()].sort(([a], [b]) => a.localeCompare(b));
  fill(
    byId('players'),
    sorted.map(([userId, player]) => {
      const presence = player.online ? (player.status ?? 'online') : 'offline';
      const label = `${player.username}${userId === me?.userId ? ' (you)' : ''} — ${presence}`;
      return el('li', label, {
        'data-user': userId,
        'data-online': String(player.online),
        class: player.online ? 'online' : 'offline',
      });
    }),
  );
}

function renderRooms(): void {
  fill(
    byId('rooms'),
    rooms.map((room) => {
      const item = el('li', `${room.name} — ${room.players}/${room.maxPlayers} `, { 'data-room': room.roomId });
      const join = el('button', current?.roomId === room.roomId ? 'joined' : 'Join', {
        type: 'button',
        'data-join': room.roomId,
      }) as HTMLButtonElement;
      join.disabled = current?.roomId === room.roomId || room.players >= room.maxPlayers || me === null;
      join.addEventListener('click', () => void joinRoom(room.roomId));
      item.append(join);
      return item;
    }),
  );
}

function renderRoom(): void {
  const panel = byId('room');
  panel.hidden = current === undefined;
  if (current === undefined) return;
  panel.dataset.room = current.roomId;
  byId('room-name').textContent = `${current.name} (${current.members.size}/${current.maxPlayers})`;
  fill(
    byId('room-players'),
    [...current.members.entries()].map(([userId, member]) =>
      el('li', `${member.username}${member.ready ? ' ✔ ready' : ''} — ${member.online ? 'online' : 'offline'}`, {
        'data-user': userId,
        'data-ready': String(member.ready),
        'data-online': String(member.online),
        class: member.online ? 'online' : 'offline',
      }),
    ),
  );
  const mine = me === null ? undefined : current.members.get(me.userId);
  byId('ready').textContent = mine?.ready === true ? 'Not ready' : 'Ready';
  renderRooms();
}

function showError(where: string, message: string): void {
  byId(where).textContent = message;
}

// ---------------------------------------------------------------------------------------------------------------
// State changes.

function patchPlayer(userId: string, patch: Partial<Player>): void {
  const known = players.get(userId) ?? { username: userId, online: false, status: null };
  players.set(userId, { ...known, ...patch });
  // A room member's presence mark follows the same events (the page watches its room's members).
  const member = current?.members.get(userId);
  if (member !== undefined && patch.online !== undefined && member.online !== patch.online) {
    member.online = patch.online;
    renderRoom();
  }
}

function seePlayer(userId: string, patch: Partial<Player>): void {
  patchPlayer(userId, patch);
  renderPlayers();
}

/** One pod's lobby presence changes: online adds or updates a user; offline and status update a listed one. */
function applyDiff({ online, offline, status }: LobbyPresenceDiffPayload): void {
  for (const entry of online)
    patchPlayer(entry.userId, { username: entry.username, online: true, status: entry.status });
  for (const userId of offline) if (players.has(userId)) patchPlayer(userId, { online: false, status: null });
  // A status for a user not listed yet is left out: their online entry carries it.
  for (const entry of status) if (players.has(entry.userId)) patchPlayer(entry.userId, { status: entry.status });
  renderPlayers();
}

/**
 * Shows the room: `members` from the backend (with ready flags), `presence` from the `room:join` ack when there is
 * one; then watches the members, so each goes offline (a closed tab) and leaves (`room:player_left`, after the
 * service's grace) on screen as it happens.
 */
function enterRoom(
  detail: Pick<RoomDetail, 'roomId' | 'name' | 'maxPlayers'>,
  members: RoomDetail['members'],
  presence: readonly RoomMemberPresence[] = [],
): void {
  const online = new Map(presence.map((member) => [member.userId, member.online]));
  const entering = current?.roomId !== detail.roomId;
  current = {
    roomId: detail.roomId,
    name: detail.name,
    maxPlayers: detail.maxPlayers,
    members: new Map(
      members.map((m) => [
        m.userId,
        { username: m.username, ready: m.ready, online: online.get(m.userId) ?? m.userId === me?.userId },
      ]),
    ),
  };
  if (entering) fill(byId('chat'), []);
  renderRoom();
  void watch([...current.members.keys()]);
}

async function refreshRooms(): Promise<void> {
  const result = await api.rooms();
  if (!result.ok) {
    showError('rooms-error', `${result.message}. Rooms need the example backend (npm start runs it): see the README.`);
    return;
  }
  showError('rooms-error', '');
  rooms = result.value;
  renderRooms();
}

async function refreshStats(): Promise<void> {
  if (game?.socket.connected !== true) return;
  const stats = await game.lobbyStats();
  byId('stats').textContent = stats.ok
    ? `${stats.data?.online} online · ${stats.data?.connections} connections · ${stats.data?.nodes} nodes`
    : stats.error.code;
}

async function watch(userIds: string[]): Promise<void> {
  if (game === undefined || userIds.length === 0) return;
  for (const userId of userIds) if (!players.has(userId)) seePlayer(userId, {});
  const ack = await game.watch(userIds);
  if (!ack.ok) return showError('watch-error', `${ack.error.code}: ${ack.error.message}`);
  showError('watch-error', '');
  for (const presence of ack.data ?? [])
    seePlayer(presence.userId, { online: presence.online, status: presence.status });
}

/**
 * After the first connect and after every reconnect that did not recover the session: the socket is back in its
 * memberships (`system:connected.rooms`) but in no other room, so join the lobby again, re-watch, re-read the lists,
 * and redraw the room it is still a member of (or leave the view of one it no longer holds: kicked, or the grace
 * ran out while away).
 */
async function resync(): Promise<void> {
  if (game === undefined) return;
  const joined = await game.joinLobby();
  if (!joined.ok) log(`lobby:join ${joined.error.code}`);
  await watch([...players.keys()]);
  await Promise.all([refreshRooms(), refreshStats()]);
  const held = (game.connected?.rooms ?? []).map((room) => parseRoom(room)).find((room) => room?.kind === 'room');
  if (held !== undefined && me !== null) {
    await joinRoom(held.id);
  } else if (current !== undefined) {
    current = undefined;
    renderRoom();
  }
}

async function joinRoom(roomId: string): Promise<void> {
  if (game === undefined) return;
  const answer = await api.join(roomId);
  if (!answer.ok) return showError('rooms-error', answer.message);
  const ack = await game.joinRoom(roomId, answer.value.ticket);
  if (!ack.ok) return showError('rooms-error', `room:join ${ack.error.code}: ${ack.error.message}`);
  showError('rooms-error', '');
  enterRoom(answer.value.room, answer.value.room.members, ack.data?.members);
}

// ---------------------------------------------------------------------------------------------------------------
// The connection.

/** (Re)connects with the current cookie: the identity is read at the handshake only. */
function connect(): void {
  game?.close();
  players.clear();
  current = undefined;
  renderPlayers();
  renderRoom();
  setState('connecting');
  const g = createGameSocket({ url: window.location.origin, onResync: () => void resync() });
  game = g;
  const { socket } = g;

  socket.on('system:connected', (info) => {
    setState(info.recovered ? 'recovered' : 'connected', `node ${info.nodeId}`);
    me = info.user === null ? null : { userId: info.user.userId, username: info.user.username };
    renderMe(info);
    if (me !== null) seePlayer(me.userId, { username: me.username, online: true });
    renderRooms();
    measureLatency();
    log(`system:connected ${JSON.stringify({ nodeId: info.nodeId, auth: info.auth, recovered: info.recovered })}`);
  });
  socket.on('disconnect', (reason) => {
    setState(socket.active ? 'reconnecting' : 'disconnected', reason);
    byId('latency').textContent = '–';
  });
  socket.io.on('reconnect_attempt', (attempt) => setState('reconnecting', `attempt ${attempt}`));
  socket.on('connect_error', (err) => {
    const code = (err as Error & { data?: { code?: string } }).data?.code;
    setState(socket.active ? 'reconnecting' : 'refused', code ?? err.message);
  });

  socket.on('lobby:presence_diff', (diff) => {
    applyDiff(diff);
    if (diff.online.length + diff.offline.length > 0) void refreshStats();
  });
  // The users this page watches: their changes come one by one, at once.
  socket.on('player:online', ({ userId, username }) => {
    seePlayer(userId, { online: true, ...(username !== undefined && { username }) });
  });
  socket.on('player:offline', ({ userId }) => seePlayer(userId, { online: false, status: null }));
  socket.on('player:status_change', ({ userId, status }) => seePlayer(userId, { status }));
  socket.on('lobby:stats', (stats) => {
    byId('stats').textContent = `${stats.online} online · ${stats.connections} connections · ${stats.nodes} nodes`;
  });
  socket.on('lobby:room_list', (payload) => {
    rooms = payload.rooms;
    // A room entered from its room:player_joined (before the list named it) gets its name and size now.
    const summary = current === undefined ? undefined : rooms.find((room) => room.roomId === current?.roomId);
    if (current !== undefined && summary !== undefined) {
      current.name = summary.name;
      current.maxPlayers = summary.maxPlayers;
      renderRoom();
    }
    renderRooms();
  });
  socket.on('room:player_joined', ({ roomId, user: player }) => {
    if (current?.roomId === roomId) {
      current.members.set(player.userId, { username: player.username, ready: false, online: true });
      renderRoom();
      void watch([player.userId]);
    } else if (player.userId === me?.userId) {
      // The backend put this user into a room it created (room:create): the event names the new room.
      const summary = rooms.find((room) => room.roomId === roomId);
      enterRoom({ roomId, name: summary?.name ?? roomId, maxPlayers: summary?.maxPlayers ?? 4 }, [
        { ...player, ready: false },
      ]);
    }
  });
  socket.on('room:player_left', ({ roomId, userId, reason }) => {
    if (current?.roomId !== roomId) return;
    if (userId === me?.userId) {
      // This user's membership ended (left in another tab, kicked, the room closed): leave the view.
      current = undefined;
      showError('rooms-error', reason === 'left' ? '' : `you left the room (${reason})`);
    } else {
      current.members.delete(userId);
    }
    renderRoom();
  });
  socket.on('room:player_ready', ({ roomId, userId, ready }) => {
    const member = current?.roomId === roomId ? current.members.get(userId) : undefined;
    if (member === undefined) return;
    member.ready = ready;
    renderRoom();
  });
  socket.on('room:chat_message', ({ roomId, from, text }) => {
    if (current?.roomId !== roomId) return;
    byId('chat').append(el('li', `${from.username}: ${text}`, { 'data-from': from.userId }));
  });
  socket.on('system:error', ({ code, message }) => log(`system:error ${code}: ${message}`));
  socket.onAny((event: string, payload: unknown) => {
    if (event !== 'system:connected') log(`${event} ${JSON.stringify(payload)}`);
  });

  g.ready.then(
    () => void resync(),
    (err: unknown) => log(`connect failed: ${(err as Error).message}`),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Controls.

byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const username = byId<HTMLInputElement>('username').value.trim();
  void fetch(`/dev/login?username=${encodeURIComponent(username)}`, { credentials: 'same-origin' }).then(
    async (res) => {
      showError('login-error', res.ok ? '' : `sign-in failed (HTTP ${res.status})`);
      if (res.ok) connect();
    },
    (err: unknown) => showError('login-error', (err as Error).message),
  );
});

byId('logout').addEventListener('click', () => {
  void fetch('/dev/logout', { credentials: 'same-origin' }).then(() => connect());
});

byId('drop').addEventListener('click', () => {
  // Like a network drop: the transport closes, socket.io-client reconnects, and where the mode recovers
  // (memory, redis-streams) the server restores rooms and missed events: the badge says `recovered`.
  game?.socket.io.engine.close();
});

byId('status').addEventListener('change', () => {
  const status = byId<HTMLSelectElement>('status').value;
  void game?.setStatus(status).then((ack) => ack.ok || log(`status ${ack.error.code}`));
});

byId<HTMLFormElement>('watch-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('watch-input');
  const names = input.value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  input.value = '';
  void watch(names);
});

byId<HTMLFormElement>('create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = byId<HTMLInputElement>('create-name').value.trim();
  void game?.sendIntent('room:create', { name, maxPlayers: 4 }).then((ack) => {
    showError('rooms-error', ack.ok ? '' : `room:create ${ack.error.code}: ${ack.error.message}`);
  });
});

byId('ready').addEventListener('click', () => {
  if (current === undefined || me === null) return;
  const ready = current.members.get(me.userId)?.ready !== true;
  void game?.sendIntent('room:player_ready', { roomId: current.roomId, ready });
});

byId('leave').addEventListener('click', () => {
  if (current === undefined) return;
  void game?.leaveRoom(current.roomId);
  current = undefined;
  renderRoom();
  renderRooms();
});

byId<HTMLFormElement>('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('chat-text');
  const text = input.value.trim();
  if (current === undefined || text === '') return;
  input.value = '';
  void game?.sendIntent('room:chat_message', { roomId: current.roomId, text }).then((ack) => {
    if (!ack.ok) showError('chat-error', `${ack.error.code}: ${ack.error.message}`);
  });
});

/** Measures the `system:ping` round trip into `#latency`. */
function measureLatency(): void {
  if (game?.socket.connected !== true) return;
  game.ping().then(
    (ms) => (byId('latency').textContent = `${ms} ms`),
    () => (byId('latency').textContent = 'timeout'),
  );
}

setInterval(measureLatency, PING_EVERY_MS);
setInterval(() => void refreshStats(), STATS_EVERY_MS);

byId('lobby-url').textContent = api.url;
connect();

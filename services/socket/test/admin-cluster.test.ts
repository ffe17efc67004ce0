import { Writable } from 'node:stream';
import t from 'tap';
import type { PlayerLeftPayload } from '@gamesocket/protocol';
import { createLogger } from '../src/core/logger.js';
import {
  WAIT_MS,
  connectClient,
  eventually,
  mintToken,
  startRedis,
  startService,
  waitFor,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';

const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse battery' };
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic(ADMIN.ADMIN_USER, ADMIN.ADMIN_PASSWORD) };

/** A log line as pino writes it. */
type LogLine = Record<string, unknown>;

/** Two pods on one real Redis (heartbeats every 500 ms); pod-1 logs to `lines`. */
async function twoPods(t: TapTest): Promise<{ pods: RunningService[]; lines: LogLine[] }> {
  const redis = await startRedis(t);
  const env = { REDIS_URL: redis.url, ADAPTER: 'redis', PRESENCE_TTL_MS: '1500', ...ADMIN };
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const pods = [
    await startService(t, { NODE_ID: 'pod-0', ...env }),
    await startService(
      t,
      { NODE_ID: 'pod-1', ...env },
      { log: createLogger({ level: 'info', nodeId: 'pod-1' }, sink) },
    ),
  ];
  return { pods, lines };
}

async function get(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers: AUTH, redirect: 'manual', signal: AbortSignal.timeout(WAIT_MS) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function post(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(WAIT_MS),
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** The CSRF token of the forms on a user's page. */
async function csrfOf(base: string, userId: string): Promise<string> {
  const page = await get(`${base}/admin/users/${userId}`);
  const token = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (token === undefined) throw new Error('no CSRF token on the user page');
  return token;
}

const actionLines = (lines: LogLine[], action: string): LogLine[] =>
  lines.filter((line) => line.msg === 'admin action' && line.action === action);

t.test(
  'the overview lists pods, users and rooms of every pod; a user page shows sockets and memberships',
  async (t) => {
    const { pods } = await twoPods(t);
    const [pod0, pod1] = pods as [RunningService, RunningService];
    const alice = await connectClient(t, pod0.url, {
      token: await mintToken({ sub: 'alice', username: '<i>Alice</i>' }),
    });
    const bob = await connectClient(t, pod1.url, { token: await mintToken({ sub: 'bob', username: 'Bob' }) });
    await pod0.app.presence.memberships.join({ userId: 'alice' }, ['room:r1']);
    await pod1.app.presence.memberships.join({ userId: 'bob' }, ['room:r1', 'match:m1']);

    // pod-1's view shows what pod-0 holds: its pod, its user's socket, the rooms.
    await eventually(
      async () => {
        const status = (await (await fetch(`${pod1.url}/admin/status.json`, { headers: AUTH })).json()) as {
          pods: { nodeId: string; alive: boolean; report?: { connections: number } }[];
        };
        return ['pod-0', 'pod-1'].every((id) =>
          status.pods.some((pod) => pod.nodeId === id && pod.alive && pod.report?.connections === 1),
        );
      },
      WAIT_MS,
      'both pods reporting one socket each in status.json',
    );
    const page = await get(`${pod1.url}/admin`);
    t.equal(page.status, 200);
    t.match(page.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/, 'a strict CSP');
    t.notMatch(page.text, /<script>|<style>| on\w+=/, 'no inline script, style or handler');
    t.match(page.text, /<td>pod-0<\/td><td>serving<\/td><td>1<\/td>/, 'pod-0 with its socket');
    t.match(page.text, /<td>pod-1<\/td><td>serving<\/td><td>1<\/td>/, 'pod-1 with its socket');
    t.match(page.text, 'showing 2 of 2 users');
    t.match(page.text, `${alice.connected.socketId} (pod-0)`, "alice's socket and its pod");
    t.match(page.text, `${bob.connected.socketId} (pod-1)`, "bob's socket and its pod");
    t.match(page.text, '&#60;i&#62;Alice&#60;/i&#62;', 'the user name escaped');
    t.notMatch(page.text, '<i>Alice</i>', 'never as markup');
    t.match(page.text, 'showing 2 of 2 rooms');
    t.match(
      page.text,
      /<td>room:r1<\/td><td>2: <a href="\/admin\/users\/alice">alice<\/a>, <a href="\/admin\/users\/bob">bob/,
    );
    t.match(page.text, /<td>match:m1<\/td><td>1: /);

    const filtered = await get(`${pod1.url}/admin?q=BO`);
    t.match(filtered.text, 'showing 1 of 1 users');
    t.notMatch(filtered.text, '/admin/users/alice', 'the filter leaves alice out');
    t.match(filtered.text, 'value="BO"', 'the filter is kept in its field');

    const find = await get(`${pod1.url}/admin/users?id=alice`);
    t.equal(find.status, 303, 'find a user: a redirect to their page');
    t.equal(find.headers.get('location'), '/admin/users/alice');
    const user = await get(`${pod1.url}/admin/users/alice`);
    t.match(user.text, 'online (online), 1 sockets');
    t.match(user.text, `<td>${alice.connected.socketId}</td><td>pod-0</td>`);
    t.match(user.text, /<td>room:r1<\/td><td><form method="post" action="\/admin\/users\/alice\/kick"/);

    const bad = await get(`${pod1.url}/admin/users/${encodeURIComponent('<b>x')}`);
    t.equal(bad.status, 400, 'not a user id');
    t.match(bad.text, 'not a user id: &#60;b&#62;x', 'the id escaped in the error');

    const script = await get(`${pod1.url}/admin/refresh.js`);
    t.equal(script.status, 200);
    t.match(script.headers.get('content-type'), 'text/javascript');
    t.equal((await get(`${pod1.url}/admin/admin.css`)).status, 200);
  },
);

t.test('actions need the CSRF token, act like the backend API, and are logged with the admin user', async (t) => {
  const { pods, lines } = await twoPods(t);
  const [pod0, pod1] = pods as [RunningService, RunningService];
  const token = await mintToken({ sub: 'alice', username: 'Alice' });
  const alice = await connectClient(t, pod0.url, { token });
  await pod0.app.presence.memberships.join({ userId: 'alice' }, ['room:r1', 'room:r2']);
  const held = async (): Promise<string[]> => (await pod1.app.presence.members('room:r1')).map((m) => m.userId);
  t.same(await held(), ['alice']);

  const kick = `${pod1.url}/admin/users/alice/kick`;
  for (const [what, fields] of [
    ['no token', { room: 'room:r1' }],
    ['a wrong token', { room: 'room:r1', csrf: 'x'.repeat(43) }],
    ['an empty token', { room: 'room:r1', csrf: '' }],
  ] as const) {
    const refused = await post(kick, fields);
    t.equal(refused.status, 403, `${what}: 403`);
    t.match(refused.text, 'CSRF token', `${what}: a clear error`);
  }
  t.same(await held(), ['alice'], 'nothing happened');
  t.equal(actionLines(lines, 'kick').length, 0, 'no action logged');
  t.equal(
    lines.filter((line) => line.msg === 'admin action refused' && line.admin === 'ops').length,
    3,
    'each refusal logged',
  );
  const wrongAdmin = await post(kick, { room: 'room:r1' }, { authorization: basic('ops', 'wrong password!') });
  t.equal(wrongAdmin.status, 401, 'wrong credentials: 401 before any CSRF check');

  const csrf = await csrfOf(pod1.url, 'alice');
  const left = waitFor<PlayerLeftPayload>(alice.socket, 'room:player_left');
  const kicked = await post(kick, { room: 'room:r1', csrf });
  t.equal(kicked.status, 303, 'POST-redirect-GET');
  t.equal(kicked.location, '/admin/users/alice?done=kick&room=room%3Ar1&ended=1');
  t.match(await left, { room: 'room:r1', userId: 'alice', reason: 'kicked' }, "alice's socket hears the kick");
  t.same(await held(), [], 'the membership ended');
  t.match(actionLines(lines, 'kick'), [{ admin: 'ops', target: { userId: 'alice', room: 'room:r1', ended: '1' } }]);
  const after = await get(`${pod1.url}${kicked.location ?? ''}`);
  t.match(after.text, 'Kicked alice from room:r1.', 'the result message');
  // A page rendered by one pod posts to any other (the view behind a load balancer): every pod derives one key.
  const again = await post(`${pod0.url}/admin/users/alice/kick`, { room: 'room:r1', csrf });
  t.equal(again.status, 303, "pod 1's token is good on pod 0");
  t.match((await get(`${pod0.url}${again.location ?? ''}`)).text, 'alice held no membership of room:r1');
  t.equal((await post(kick, { room: 'lobby', csrf })).status, 400, 'only room: and match: rooms');

  const dropped = waitFor<string>(alice.socket, 'disconnect');
  const disconnected = await post(`${pod1.url}/admin/users/alice/disconnect`, { csrf });
  t.equal(disconnected.status, 303);
  t.equal(await dropped, 'io server disconnect', "alice's socket on the other pod is closed");
  t.match(actionLines(lines, 'disconnect'), [{ admin: 'ops', target: { userId: 'alice' } }]);

  const back = await connectClient(t, pod0.url, { token });
  t.same(back.connected.rooms, ['room:r2'], 'a disconnected user comes back in their memberships');
  const revokedDrop = waitFor<string>(back.socket, 'disconnect');
  const revoked = await post(`${pod1.url}/admin/users/alice/revoke`, { csrf, hours: '1' });
  t.equal(revoked.status, 303);
  t.equal(await revokedDrop, 'io server disconnect');
  t.same(await pod0.app.presence.members('room:r2'), [], 'the revocation ended the memberships');
  t.match(actionLines(lines, 'revoke'), [{ admin: 'ops', target: { userId: 'alice', hours: '1', ended: '1' } }]);
  const refusedAgain = await connectClient(t, pod0.url, { token });
  t.equal(refusedAgain.connected.user, null, 'the revoked token no longer signs in');
  t.equal((await post(`${pod1.url}/admin/users/alice/revoke`, { csrf, hours: '0' })).status, 400, 'bounded hours');
});

import t from 'tap';
import { connectClient, mintToken, startService } from '@gamesocket/test-helpers';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

t.test('the admin view does not exist unless configured', async (t) => {
  const { url } = await startService(t);
  t.equal((await fetch(`${url}/admin`)).status, 404);
  t.equal((await fetch(`${url}/admin/status.json`, { headers: { authorization: basic('a', 'b') } })).status, 404);
});

t.test('the admin view needs its own credentials', async (t) => {
  const { url } = await startService(t, {
    ADMIN_USER: 'ops',
    ADMIN_PASSWORD: 'correct horse battery',
    NODE_ID: 'admin-pod',
  });
  await connectClient(t, url, { token: await mintToken({ sub: 'alice' }) });
  for (const authorization of [
    undefined,
    basic('ops', 'wrong password!'),
    basic('other', 'correct horse battery'),
    'Bearer x',
  ]) {
    const res = await fetch(`${url}/admin`, { headers: authorization === undefined ? {} : { authorization } });
    t.equal(res.status, 401, `refused: ${authorization ?? 'no header'}`);
    t.equal(res.headers.get('www-authenticate'), 'Basic realm="gamesocket admin"');
  }
  const token = await mintToken({ sub: 'alice' });
  t.equal(
    (await fetch(`${url}/admin`, { headers: { authorization: `Bearer ${token}` } })).status,
    401,
    'an access token is no admin credential',
  );
  const status = (await (
    await fetch(`${url}/admin/status.json`, { headers: { authorization: basic('ops', 'correct horse battery') } })
  ).json()) as Record<string, unknown>;
  t.match(status, { nodeId: 'admin-pod', adapter: 'memory', redisUp: true, draining: false, localSockets: 1 });
  t.match(status.presence, { online: 1, connections: 1, nodes: 1 });
  const html = await (
    await fetch(`${url}/admin`, { headers: { authorization: basic('ops', 'correct horse battery') } })
  ).text();
  t.match(html, '<h1>gamesocket admin-pod</h1>');
});

import { request as httpRequest } from 'node:http';
import t from 'tap';
import { ADMIN_FREE_FAILURES } from '../src/http/admin/routes.js';
import { WAIT_MS, connectClient, mintToken, scrapeMetrics, startService, withTimeout } from '@gamesocket/test-helpers';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

t.test('the admin view does not exist unless configured: every admin path is 404', async (t) => {
  const { url } = await startService(t);
  const authorization = basic('ops', 'correct horse battery');
  const gets = [
    '/admin',
    '/admin/status.json',
    '/admin/users?id=a',
    '/admin/users/a',
    '/admin/refresh.js',
    '/admin/admin.css',
    '/admin/icon.svg',
  ];
  for (const path of gets) {
    t.equal((await fetch(`${url}${path}`, { redirect: 'manual' })).status, 404, `GET ${path}`);
    t.equal(
      (await fetch(`${url}${path}`, { headers: { authorization }, redirect: 'manual' })).status,
      404,
      `GET ${path} with credentials`,
    );
  }
  for (const action of ['kick', 'disconnect', 'revoke']) {
    const res = await fetch(`${url}/admin/users/a/${action}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'room=room%3Ar1&csrf=x',
    });
    t.equal(res.status, 404, `POST /admin/users/a/${action}`);
  }
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
  t.match(html, 'served by admin-pod');
});

/** GET `path` with basic credentials from `localAddress` (another loopback address = another client). */
function adminGet(
  url: string,
  authorization: string,
  localAddress = '127.0.0.1',
): Promise<{ status: number; retryAfter: string | undefined }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = httpRequest(`${url}/admin/status.json`, { agent: false, headers: { authorization }, localAddress });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined });
        });
      });
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    'admin request',
  );
}

t.test('failed admin attempts are limited per address, with a doubling Retry-After', async (t) => {
  const { url } = await startService(t, { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse battery' });
  const wrong = basic('ops', 'wrong password!');
  const right = basic('ops', 'correct horse battery');
  for (let i = 1; i <= ADMIN_FREE_FAILURES; i++) {
    t.match(await adminGet(url, wrong), { status: 401 }, `wrong password ${i}: 401`);
  }
  const refusals = [await adminGet(url, wrong), await adminGet(url, wrong), await adminGet(url, right)];
  t.same(
    refusals.map((r) => r.status),
    [429, 429, 429],
    `after ${ADMIN_FREE_FAILURES} failures every attempt is 429, the right password too (it is not even checked)`,
  );
  const waits = refusals.map((r) => Number(r.retryAfter));
  t.same(waits, [2, 4, 8], 'Retry-After doubles with each attempt while locked out');
  t.match(await adminGet(url, right, '127.0.0.2'), { status: 200 }, 'another address signs in');
  t.match(await adminGet(url, 'Bearer x'), { status: 401 }, 'a request without basic credentials gets the challenge');
});

t.test('METRICS_PORT: /metrics and /admin on their own listener, the probes on the main port', async (t) => {
  const service = await startService(t, {
    METRICS_PORT: '0',
    ADMIN_USER: 'ops',
    ADMIN_PASSWORD: 'correct horse battery',
  });
  t.not(service.metricsUrl, service.url, 'a second port');
  const status = async (url: string, path: string, headers: Record<string, string> = {}): Promise<number> => {
    const res = await fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(WAIT_MS) });
    await res.arrayBuffer();
    return res.status;
  };
  const admin = { authorization: basic('ops', 'correct horse battery') };
  t.equal(await status(service.metricsUrl, '/metrics'), 200, '/metrics on METRICS_PORT');
  t.equal(await status(service.url, '/metrics'), 404, 'not on the main port');
  t.equal(await status(service.metricsUrl, '/admin/status.json', admin), 200, '/admin on METRICS_PORT');
  t.equal(await status(service.url, '/admin/status.json', admin), 404, 'not on the main port');
  for (const path of ['/healthz', '/readyz']) {
    t.equal(await status(service.url, path), 200, `${path} on the main port`);
    t.equal(await status(service.metricsUrl, path), 404, `${path} not on METRICS_PORT`);
  }
  t.match(await scrapeMetrics(service.metricsUrl), /gamesocket_connections/, "the metrics are the service's");

  const without = await startService(t);
  t.equal(without.metricsUrl, without.url, 'without METRICS_PORT all is on the main port');
  t.equal(await status(without.url, '/metrics'), 200, '/metrics on the main port');
});

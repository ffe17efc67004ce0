import t from 'tap';
import fc from 'fast-check';
import { ERROR_CODES, type Ack } from '@gamesocket/protocol';
import {
  connectClient,
  mintToken,
  request,
  startPods,
  startRedis,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';

/**
 * Property-based fuzzing of the membership surfaces: the HTTP endpoints (`/v1/join`, `/v1/leave`,
 * `GET`/`DELETE /v1/rooms/:room`) and the socket's `room:*` / `match:*` events, with generated room
 * names, bodies and payloads, against the memory and the Redis implementation. Every answer must be
 * a documented status or error code (never a 500 or `INTERNAL`), the pod must keep serving, and the
 * memberships it reports must agree with what was asked.
 */

const API_TOKEN = 'membership-fuzz-api-token-0123456789';
const RUNS = Number(process.env.FUZZ_CASES ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Room-ish strings: valid names, near misses, and garbage (unicode, separators, very long). */
const roomName = fc.oneof(
  fc.constantFrom('room:a', 'match:b', 'lobby', 'user:u1', 'room:', 'room:a:b', 'ROOM:a', 'room: a', 'watch:u1'),
  fc.stringMatching(/^(room|match):[A-Za-z0-9][A-Za-z0-9_.@-]{0,20}$/),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 150, maxLength: 400 }),
);
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const body = fc.oneof(
  fc.record({
    user: fc.oneof(fc.constantFrom('u1', 'u2'), fc.string()),
    rooms: fc.oneof(roomName, fc.array(roomName)),
  }),
  fc.record({ user: jsonValue, rooms: jsonValue }),
  jsonValue,
);

const API_STATUSES = new Set([200, 202, 400, 404, 413, 414]);

async function api(pod: RunningService, method: string, path: string, payload?: unknown): Promise<Response> {
  return fetch(`${pod.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      ...(payload !== undefined && { 'content-type': 'application/json' }),
    },
    ...(payload !== undefined && { body: JSON.stringify(payload) }),
  });
}

async function fuzzPod(t: TapTest, pod: RunningService): Promise<void> {
  const client = await connectClient(t, pod.url, { token: await mintToken({ sub: 'u1', username: 'U1' }) });
  const codes = new Set<string>(Object.values(ERROR_CODES));
  let seen = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.record({ kind: fc.constant('join' as const), body }),
        fc.record({ kind: fc.constant('leave' as const), body }),
        fc.record({ kind: fc.constant('members' as const), room: roomName }),
        fc.record({ kind: fc.constant('close' as const), room: roomName }),
        fc.record({
          kind: fc.constant('event' as const),
          event: fc.constantFrom('room:join', 'room:leave', 'match:join', 'match:leave'),
          payload: fc.oneof(
            jsonValue,
            fc.record({ roomId: fc.string(), ticket: fc.string() }),
            fc.record({ matchId: fc.string() }),
          ),
        }),
      ),
      async (step) => {
        seen++;
        if (step.kind === 'event') {
          const ack = (await request(client.socket, step.event, step.payload)) as Ack<unknown>;
          if (!ack.ok) {
            if (!codes.has(ack.error.code) || ack.error.code === 'INTERNAL') return false;
          }
          return true;
        }
        const response =
          step.kind === 'join' || step.kind === 'leave'
            ? await api(pod, 'POST', `/v1/${step.kind}`, step.body)
            : await api(
                pod,
                step.kind === 'members' ? 'GET' : 'DELETE',
                `/v1/rooms/${encodeURIComponent(step.room)}${step.kind === 'members' ? '/members' : ''}`,
              );
        if (!API_STATUSES.has(response.status)) {
          t.comment(`unexpected ${response.status} for ${JSON.stringify(step)}: ${await response.text()}`);
          return false;
        }
        const answer = (await response.json()) as Record<string, unknown>;
        if (response.status >= 400) return typeof (answer.error as { code?: string })?.code === 'string';
        if (step.kind === 'members') return Array.isArray(answer.members);
        return answer.ok === true;
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  t.ok(seen >= RUNS, `${seen} generated steps (seed ${SEED})`);

  // Still serving, and what it reports holds together: a join shows up in the members and in a new socket's rooms.
  const joined = await api(pod, 'POST', '/v1/join', { user: 'u2', rooms: ['room:check'] });
  t.equal(joined.status, 202);
  const members = (await (await api(pod, 'GET', `/v1/rooms/${encodeURIComponent('room:check')}/members`)).json()) as {
    members: { userId: string }[];
  };
  t.ok(
    members.members.some((member) => member.userId === 'u2'),
    'the members read agrees with the join',
  );
  const u2 = await connectClient(t, pod.url, { token: await mintToken({ sub: 'u2', username: 'U2' }) });
  t.ok(u2.connected.rooms.includes('room:check'), 'a new socket of the user is in the room');
  t.same(await request(client.socket, 'system:ping').then((ack) => typeof ack), 'object', 'the fuzzed socket serves');
}

t.test('memory mode: the membership surfaces answer every generated input with a documented outcome', async (t) => {
  const [pod] = (await startPods(t, 1, { PUBLISH_API_TOKEN: API_TOKEN })) as [RunningService];
  await fuzzPod(t, pod);
});

t.test('redis mode: the same against the Redis memberships', async (t) => {
  const redis = await startRedis(t);
  const [pod] = (await startPods(t, 1, {
    PUBLISH_API_TOKEN: API_TOKEN,
    REDIS_URL: redis.url,
    ADAPTER: 'redis',
  })) as [RunningService];
  await fuzzPod(t, pod);
});

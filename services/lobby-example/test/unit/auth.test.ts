import t from 'tap';
import type { JWTPayload } from 'jose';
import { createRoomTicket } from '@gamesocket/emitter';
import { createUserReader } from '../../src/auth.js';
import { TEST_SECRET, authCookie, mintToken } from '@gamesocket/test-helpers/tokens';

const readUser = createUserReader(TEST_SECRET);
const userOf = async (claims: JWTPayload): Promise<unknown> => readUser(authCookie(await mintToken(claims)));

// The socket service's contract: the user is { userId: sub ?? userId, username, role } from the claims; this
// backend keeps { userId, username } of that same user.
t.test('the signed-in user is the one the socket service sees', async (t) => {
  t.same(await userOf({ sub: 'alice', username: 'Alice' }), { userId: 'alice', username: 'Alice' });
  t.same(await userOf({ userId: 'bob' }), { userId: 'bob', username: 'bob' }, 'userId without sub');
  t.same(await userOf({ sub: 'carol', name: 'Carol C.' }), { userId: 'carol', username: 'Carol C.' }, 'name claim');
  t.same(
    await userOf({ sub: 'dave', username: 'd'.repeat(65), name: 'Dave' }),
    { userId: 'dave', username: 'Dave' },
    'an over-long username is skipped, as the service does (not cut to 64 characters)',
  );
  t.equal(await userOf({ sub: 'a b' }), undefined, 'a user id that cannot name a room');
});

t.test('no user without a valid login token', async (t) => {
  t.equal(await readUser(undefined), undefined, 'no cookie');
  t.equal(await readUser('other=1'), undefined, 'no access-token cookie');
  t.equal(await readUser(authCookie(await mintToken({ sub: 'alice' }, { expiresIn: -60 }))), undefined, 'expired');
  t.equal(
    await readUser(authCookie(await mintToken({ sub: 'alice' }, { key: 'another-secret-of-at-least-32-bytes!!' }))),
    undefined,
    'signed with another key',
  );
  const ticket = await createRoomTicket({ userId: 'alice', room: 'room:1', secret: TEST_SECRET });
  t.equal(await readUser(authCookie(ticket)), undefined, 'a room ticket signed with the same key is not a login');
});

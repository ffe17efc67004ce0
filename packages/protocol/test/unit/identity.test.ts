import t from 'tap';
import {
  DEFAULT_ROLE,
  isRoomTicket,
  roomTicketAdmits,
  roomTicketClaims,
  ROOM_TICKET_AUDIENCE,
  ROOM_TICKET_TYPE,
  userFromClaims,
  type Claims,
} from '../../src/index.js';

const long = (length: number): string => 'x'.repeat(length);

t.test('claims -> user is { userId: sub ?? userId, username, role }', async (t) => {
  const cases: [string, Claims, ReturnType<typeof userFromClaims>][] = [
    [
      'sub, username, role',
      { sub: 'u1', username: 'alice', role: 'admin' },
      { userId: 'u1', username: 'alice', role: 'admin' },
    ],
    ['sub wins over userId', { sub: 'u1', userId: 'u2' }, { userId: 'u1', username: 'u1', role: DEFAULT_ROLE }],
    ['userId without sub', { userId: 'u2', username: 'bob' }, { userId: 'u2', username: 'bob', role: DEFAULT_ROLE }],
    [
      'name when no username',
      { sub: 'u1', name: 'Alice A.' },
      { userId: 'u1', username: 'Alice A.', role: DEFAULT_ROLE },
    ],
    [
      'username over name',
      { sub: 'u1', username: 'alice', name: 'Alice A.' },
      { userId: 'u1', username: 'alice', role: DEFAULT_ROLE },
    ],
    [
      'an empty username is skipped',
      { sub: 'u1', username: '', name: 'n' },
      { userId: 'u1', username: 'n', role: DEFAULT_ROLE },
    ],
    [
      'a 64-character username is kept',
      { sub: 'u1', username: long(64) },
      { userId: 'u1', username: long(64), role: DEFAULT_ROLE },
    ],
    [
      'a 65-character username is skipped, not cut',
      { sub: 'u1', username: long(65), name: 'n' },
      { userId: 'u1', username: 'n', role: DEFAULT_ROLE },
    ],
    [
      'the user id when no usable name',
      { sub: 'u1', username: 7, name: long(65) },
      { userId: 'u1', username: 'u1', role: DEFAULT_ROLE },
    ],
    ['a 32-character role is kept', { sub: 'u1', role: long(32) }, { userId: 'u1', username: 'u1', role: long(32) }],
    [
      'a 33-character role gives the default',
      { sub: 'u1', role: long(33) },
      { userId: 'u1', username: 'u1', role: DEFAULT_ROLE },
    ],
    [
      'a role that is not a string gives the default',
      { sub: 'u1', role: ['admin'] },
      { userId: 'u1', username: 'u1', role: DEFAULT_ROLE },
    ],
    ['no user id', { username: 'alice' }, undefined],
    ['a user id that cannot name a room', { sub: 'a b' }, undefined],
    ['a sub that is not valid does not fall back to userId', { sub: 'a b', userId: 'u2' }, undefined],
    ['a numeric user id', { userId: 42 }, undefined],
  ];
  for (const [what, claims, user] of cases) t.same(userFromClaims(claims), user, what);
});

t.test('a room ticket carries { sub, room, aud }; its type, its audience or a room claim marks it', async (t) => {
  const claims = roomTicketClaims('u1', 'room:42');
  t.same(claims, { sub: 'u1', room: 'room:42', aud: ROOM_TICKET_AUDIENCE });
  t.equal(isRoomTicket(claims), true, 'a ticket is a ticket');
  t.equal(isRoomTicket({ sub: 'u1', username: 'alice' }), false, 'a login token is not');
  t.equal(isRoomTicket({ sub: 'u1' }, { typ: ROOM_TICKET_TYPE }), true, 'the ticket type alone marks it');
  t.equal(
    isRoomTicket({ sub: 'u1' }, { typ: `application/${ROOM_TICKET_TYPE.toUpperCase()}` }),
    true,
    'as JOSE reads it',
  );
  t.equal(isRoomTicket({ sub: 'u1' }, { typ: 'JWT' }), false, 'a plain JWT type does not');
  t.equal(isRoomTicket({ sub: 'u1', aud: ROOM_TICKET_AUDIENCE }), true, 'the ticket audience alone marks it');
  t.equal(isRoomTicket({ sub: 'u1', aud: ['game', ROOM_TICKET_AUDIENCE] }), true, 'among other audiences too');
  t.equal(isRoomTicket({ sub: 'u1', aud: 'game' }), false, 'another audience does not');
  t.equal(isRoomTicket({ sub: 'u1', room: 'room:42' }), true, 'a room claim alone (tickets before the marker)');

  const verified = { ...claims, iat: 1, exp: 2 };
  t.equal(roomTicketAdmits(verified, 'u1', 'room:42'), true, 'admits its user to its room');
  t.equal(roomTicketAdmits(verified, 'u2', 'room:42'), false, 'not another user');
  t.equal(roomTicketAdmits(verified, 'u1', 'room:43'), false, 'not another room');
  t.equal(roomTicketAdmits(verified, 'u1', 'match:42'), false, 'not another kind of room');
  t.equal(roomTicketAdmits(claims, 'u1', 'room:42'), false, 'not without an exp');
  t.equal(roomTicketAdmits({ ...verified, aud: undefined }, 'u1', 'room:42'), false, 'not without the ticket audience');
  t.equal(roomTicketAdmits({ ...verified, aud: 'game' }, 'u1', 'room:42'), false, 'not with another audience');
});

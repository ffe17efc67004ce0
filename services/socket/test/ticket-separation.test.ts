/**
 * Room tickets and access tokens are told apart even when one key signs both (ROOM_TICKET_SECRET defaults to
 * JWT_SECRET outside production): a ticket carries the `typ` ROOM_TICKET_TYPE and the audience
 * ROOM_TICKET_AUDIENCE; the ticket verifier requires both, the access-token verifier refuses either.
 */
import t from 'tap';
import { SignJWT } from 'jose';
import { createRoomTicket } from '@gamesocket/emitter';
import { ROOM_TICKET_AUDIENCE, ROOM_TICKET_TYPE, type Ack } from '@gamesocket/protocol';
import { TEST_SECRET, connectClient, mintToken, request, startService } from '@gamesocket/test-helpers';

const TICKET_SECRET = 'room-ticket-key-of-its-own-32-bytes-or-more';
const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);
const codeOf = (ack: Ack<unknown>): string => (ack.ok ? 'ok' : ack.error.code);

/** A hand-made token for alice and room:42 with only some of a ticket's markers, signed with `secret`. */
function partialTicket(secret: string, markers: { typ?: boolean; aud?: boolean; room?: boolean }): Promise<string> {
  const jwt = new SignJWT(markers.room === false ? {} : { room: 'room:42' })
    .setProtectedHeader(markers.typ === true ? { alg: 'HS256', typ: ROOM_TICKET_TYPE } : { alg: 'HS256' })
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('1m');
  if (markers.aud === true) jwt.setAudience(ROOM_TICKET_AUDIENCE);
  return jwt.sign(key(secret));
}

for (const [mode, env, ticketSecret] of [
  ['one key for both (the default outside production)', {}, TEST_SECRET],
  ['a ticket key of its own', { ROOM_TICKET_SECRET: TICKET_SECRET }, TICKET_SECRET],
] as const) {
  t.test(mode, async (t) => {
    const { url } = await startService(t, env);
    const ticket = (): Promise<string> => createRoomTicket({ userId: 'alice', room: 'room:42', secret: ticketSecret });

    t.test('a ticket presented as the access-token cookie connects as anonymous, auth=invalid', async (t) => {
      for (const [what, token] of [
        ['createRoomTicket', await ticket()],
        ['the ticket type alone', await partialTicket(ticketSecret, { typ: true, room: false })],
        ['the ticket audience alone', await partialTicket(ticketSecret, { aud: true, room: false })],
      ] as const) {
        const { connected } = await connectClient(t, url, { token });
        t.equal(connected.auth, 'invalid', `${what}: invalid`);
        t.equal(connected.user, null, `${what}: no user`);
      }
    });

    t.test('an access token presented as a ticket is FORBIDDEN', async (t) => {
      const alice = await connectClient(t, url, { token: await mintToken({ sub: 'alice' }) });
      t.equal(alice.connected.auth, 'ok');
      for (const [what, token] of [
        ["alice's access token", await mintToken({ sub: 'alice' })],
        ["alice's access token with a room claim", await mintToken({ sub: 'alice', room: 'room:42' })],
        [
          'an access token with a room claim signed with the ticket key',
          await mintToken({ sub: 'alice', room: 'room:42' }, { key: ticketSecret }),
        ],
        ['a ticket without the ticket type', await partialTicket(ticketSecret, { aud: true })],
        ['a ticket without the ticket audience', await partialTicket(ticketSecret, { typ: true })],
      ] as const) {
        const ack = await request(alice.socket, 'room:join', { roomId: '42', ticket: token });
        t.equal(codeOf(ack), 'FORBIDDEN', `${what}: FORBIDDEN`);
      }
      t.match(
        await request(alice.socket, 'room:join', { roomId: '42', ticket: await ticket() }),
        { ok: true, data: { room: 'room:42' } },
        'the ticket createRoomTicket mints joins',
      );
    });
  });
}

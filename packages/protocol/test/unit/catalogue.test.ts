import t from 'tap';
import {
  CLIENT_EVENT_SCHEMAS,
  EVENTS,
  EVENT_NAMES,
  SERVER_EVENT_NAMES,
  VOLATILE_EVENTS,
  ackError,
  ackOk,
  isDomainActionName,
  isEventName,
  isPublishableEvent,
  isVolatileEvent,
  parseRoom,
  rooms,
} from '../../src/index.js';

t.test('every catalogue name is a lowercase domain:action matching its domain key', async (t) => {
  for (const [domain, actions] of Object.entries(EVENTS)) {
    for (const name of Object.values(actions)) {
      t.ok(isDomainActionName(name), `${name} has the domain:action form`);
      t.equal(name.split(':')[0], domain.toLowerCase(), `${name} sits under ${domain}`);
    }
  }
  t.equal(new Set(EVENT_NAMES).size, EVENT_NAMES.length, 'no name twice');
});

t.test('the catalogue holds every name of the design', async (t) => {
  const design = {
    lobby: 'join leave room_list stats user_joined user_left presence_diff',
    room: 'create created join leave update delete player_joined player_left player_ready chat_message',
    match: 'start started end ended state_update',
    player: 'online offline status_change',
    system: 'error connected disconnected ping pong',
  };
  for (const [domain, actions] of Object.entries(design)) {
    for (const action of actions.split(' ')) t.ok(isEventName(`${domain}:${action}`), `${domain}:${action}`);
  }
  t.notOk(isEventName('lobby:nope'));
  t.notOk(isEventName(42));
});

t.test('every client event with a schema is in the catalogue', async (t) => {
  for (const name of Object.keys(CLIENT_EVENT_SCHEMAS)) t.ok(isEventName(name), name);
});

t.test('volatile events: high-rate server state only', async (t) => {
  t.same(VOLATILE_EVENTS, ['match:state_update'], 'match:state_update is the volatile event');
  for (const name of VOLATILE_EVENTS) {
    t.ok((SERVER_EVENT_NAMES as readonly string[]).includes(name), `${name} is a server event`);
    t.ok(isVolatileEvent(name));
  }
  t.notOk(isVolatileEvent('match:ended'), 'a match result is never dropped');
  t.notOk(isVolatileEvent(undefined));
});

t.test('lobby:presence_diff: a server event a backend (the emitter) may publish, never dropped', async (t) => {
  t.equal(EVENTS.LOBBY.PRESENCE_DIFF, 'lobby:presence_diff');
  t.ok(isPublishableEvent('lobby:presence_diff'), 'publishable');
  t.notOk(isVolatileEvent('lobby:presence_diff'), 'not volatile: a lost diff would leave the lobby wrong');
  t.notOk(EVENTS.LOBBY.PRESENCE_DIFF in CLIENT_EVENT_SCHEMAS, 'clients cannot send it');
});

t.test('domain:action form', async (t) => {
  for (const bad of [
    'Lobby:join',
    'lobby',
    'lobby:',
    ':join',
    'lobby:join:x',
    'lo by:join',
    '',
    'a'.repeat(40) + ':x',
  ]) {
    t.notOk(isDomainActionName(bad), JSON.stringify(bad));
  }
  t.ok(isDomainActionName('shop:item_bought'));
});

t.test('room names', async (t) => {
  t.equal(rooms.lobby(), 'lobby');
  t.equal(rooms.user('u1'), 'user:u1');
  t.equal(rooms.room('42'), 'room:42');
  t.equal(rooms.match('m-7'), 'match:m-7');
  t.throws(() => rooms.user(''), TypeError);
  t.throws(() => rooms.room('a b'), TypeError);
  t.throws(() => rooms.room('x'.repeat(129)), TypeError);
  t.same(parseRoom('room:42'), { kind: 'room', id: '42' });
  t.same(parseRoom('lobby'), { kind: 'lobby', id: '' });
  t.equal(parseRoom('room:'), undefined);
  t.equal(parseRoom('elsewhere'), undefined);
});

t.test('ack envelope', async (t) => {
  t.same(ackOk(), { ok: true });
  t.same(ackOk({ id: '1' }), { ok: true, data: { id: '1' } });
  t.same(ackError('FORBIDDEN', 'no'), { ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
});

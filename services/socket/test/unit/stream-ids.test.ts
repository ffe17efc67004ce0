import t from 'tap';
import { streamIdAfter } from '../../src/delivery/recovering-delivery.js';

t.test('stream ids order by time, then by sequence', async (t) => {
  t.ok(streamIdAfter('1700000000001-0', '1700000000000-9'));
  t.ok(streamIdAfter('1700000000000-10', '1700000000000-9'), 'numerically, not as text');
  t.notOk(streamIdAfter('1700000000000-9', '1700000000000-9'), 'an id is not after itself');
  t.notOk(streamIdAfter('1699999999999-99', '1700000000000-0'));
});

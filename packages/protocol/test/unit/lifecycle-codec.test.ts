import t from 'tap';
import { LifecycleDecodeError, decodeLifecycleEntry, encodeLifecycleFields } from '../../src/index.js';

t.test('a lifecycle entry survives encode then decode', async (t) => {
  const entry = {
    event: 'room:player_left' as const,
    data: { userId: 'u1', room: 'room:7', reason: 'expired' as const },
    nodeId: 'pod-a',
    ts: 1_795_000_000_000,
  };
  t.same(decodeLifecycleEntry('1-0', encodeLifecycleFields(entry)), { id: '1-0', ...entry });
  t.same(
    decodeLifecycleEntry('2-0', [...encodeLifecycleFields(entry), 'extra', 'ignored']),
    { id: '2-0', ...entry },
    'unknown fields are ignored',
  );
  t.same(
    decodeLifecycleEntry('3-0', encodeLifecycleFields({ ...entry, data: { room: 'room:7', other: 1 } as never })).data,
    { room: 'room:7' },
    'unknown data keys are dropped',
  );
});

t.test('a malformed lifecycle entry throws LifecycleDecodeError naming the entry and the fault', async (t) => {
  const good = encodeLifecycleFields({ event: 'player:online', data: { userId: 'u1' }, nodeId: 'n', ts: 1 });
  const cases: [string, string[], RegExp][] = [
    ['odd list', [...good, 'dangling'], /odd number/],
    ['no event', good.slice(2), /missing field "event"/],
    ['unknown event', ['event', 'player:nope', ...good.slice(2)], /not a lifecycle event/],
    ['data not JSON', ['event', 'player:online', 'data', '{', 'nodeId', 'n', 'ts', '1'], /not JSON/],
    ['data an array', ['event', 'player:online', 'data', '[]', 'nodeId', 'n', 'ts', '1'], /not an object/],
    ['data a number id', ['event', 'player:online', 'data', '{"userId":1}', 'nodeId', 'n', 'ts', '1'], /non-string/],
    ['unknown reason', ['event', 'room:player_left', 'data', '{"reason":"bored"}', 'nodeId', 'n', 'ts', '1'], /reason/],
    ['ts not epoch ms', ['event', 'player:online', 'data', '{}', 'nodeId', 'n', 'ts', '-5'], /ts is not epoch ms/],
    ['no nodeId', ['event', 'player:online', 'data', '{}', 'ts', '1'], /missing field "nodeId"/],
  ];
  for (const [what, fields, message] of cases) {
    t.throws(
      () => decodeLifecycleEntry('9-9', fields),
      { name: 'LifecycleDecodeError', entryId: '9-9', message },
      what,
    );
  }
  t.type(new LifecycleDecodeError('1-1', 'x'), Error);
});

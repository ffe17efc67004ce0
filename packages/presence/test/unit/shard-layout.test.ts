import t from 'tap';
import { ShardLayout } from '../../src/shard-layout.js';

t.test('a key prefix with a brace is refused: it would move the hash slots of every key', async (t) => {
  for (const prefix of ['{game}', 'game}', 'ga{me']) {
    t.throws(() => new ShardLayout({ prefix }), { name: 'TypeError', message: /must not contain braces/ }, prefix);
  }
  t.equal(new ShardLayout({ prefix: 'game-eu' }).prefix, 'game-eu', 'a plain prefix is kept');
  t.equal(new ShardLayout().prefix, 'gamesocket', 'the default');
});

import t from 'tap';
import { createRedisClient } from '../../src/index.js';

t.test('no client is made from something that is not a list of Redis URLs', async (t) => {
  const cases: [string, string | string[], RegExp][] = [
    ['an empty string', '', /no Redis URL given/],
    ['an empty list', [], /no Redis URL given/],
    ['only commas', ' , ', /no Redis URL given/],
    ['not a URL', 'localhost:6379', /not a redis:\/\/ or rediss:\/\/ URL: "localhost:6379"/],
    ['not parseable', 'redis://[::1', /not a Redis URL: "redis:\/\/\[::1"/],
    ['another scheme', 'http://127.0.0.1:6379', /not a redis:\/\/ or rediss:\/\/ URL/],
    ['one bad node of several', 'redis://a:7000,b:7001', /not a redis:\/\/ or rediss:\/\/ URL: "b:7001"/],
  ];
  for (const [what, urls, message] of cases)
    t.throws(() => createRedisClient(urls), { name: 'TypeError', message }, what);
});

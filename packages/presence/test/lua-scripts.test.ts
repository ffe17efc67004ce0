import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';

// Redis Cluster routes a script by its KEYS, and only keys declared there are guaranteed to be on
// the shard that runs it: every key a script touches must come from KEYS, never be built in Lua.
const LUA_DIR = new URL('../lua/', import.meta.url);
/** Redis commands the scripts call that take no key. */
const KEYLESS = new Set(['TIME']);

const files = readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua'));

t.ok(files.length >= 14, 'the presence scripts are found');

t.test('the prelude touches a key only through its `lifecycle` helper, whose stream its callers declare', async (t) => {
  const source = readFileSync(new URL('lib/prelude.lua', LUA_DIR), 'utf8');
  const keyed = [...source.matchAll(/redis\.call\('(\w+)'(?:,\s*([^,)]+))?/g)].filter(
    ([, command]) => !KEYLESS.has(command ?? ''),
  );
  t.same(
    keyed.map(([, command, arg]) => `${command} ${arg?.trim()}`),
    ['XADD stream'],
  );
});

for (const file of files) {
  t.test(`${file} touches only keys it declares in KEYS`, async (t) => {
    const source = readFileSync(new URL(file, LUA_DIR), 'utf8');
    // Locals that hold a declared key, e.g. `local sockets = KEYS[2 + 2 * i]`.
    const keyLocals = new Set([...source.matchAll(/local (\w+) = KEYS\[[^\]]+\]\s*$/gm)].map((m) => m[1]));
    const calls = [...source.matchAll(/redis\.call\('(\w+)'(?:,\s*([^,)]+))?/g)];
    t.ok(calls.length > 0, 'the script calls Redis');
    for (const [call, stream] of source.matchAll(/lifecycle\(([^,]+),/g)) {
      t.ok(/^KEYS\[[^\]]+\]$/.test(stream?.trim() ?? ''), `${call}: the stream comes from KEYS`);
    }
    for (const [call, command, firstArg] of calls) {
      if (command !== undefined && KEYLESS.has(command)) continue;
      const arg = firstArg?.trim() ?? '';
      t.ok(/^KEYS\[[^\]]+\]$/.test(arg) || keyLocals.has(arg), `${call}: the key comes from KEYS`);
    }
  });
}

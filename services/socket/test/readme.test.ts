import { readFileSync } from 'node:fs';
import t from 'tap';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/config.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

t.test('the README config table lists exactly the variables of the config schema', async (t) => {
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  const documented = [...section.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]);
  t.same([...documented].sort(), CONFIG_VARIABLES.map((variable) => variable.name).sort());
});

t.test('the README starts with the two commands', async (t) => {
  const head = readme.slice(0, 1200);
  t.match(head, 'npm install && npm start');
  t.match(head, 'npm test');
});

t.test('every variable loadConfig reads is in CONFIG_VARIABLES (the documented list)', async (t) => {
  const read = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(env);
  const documented = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
  t.same(
    [...read].filter((name) => !documented.has(name)),
    [],
    'no undocumented variable',
  );
  t.same(
    [...documented].filter((name) => !read.has(name)),
    [],
    'no documented variable that is never read',
  );
});

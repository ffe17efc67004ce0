import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import t from 'tap';
import { CONFIG_TABLE_END, CONFIG_TABLE_START, configTable, withConfigTable } from '../../src/config/config-table.js';
import { CONFIG_VARIABLES } from '../../src/config/variables.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/** The lines between the markers. */
const block = (readme: string): string =>
  readme.slice(readme.indexOf(CONFIG_TABLE_START), readme.indexOf(CONFIG_TABLE_END) + CONFIG_TABLE_END.length);

t.test("the README's configuration table is the one VARIABLES generates", async (t) => {
  const readme = readFileSync(README, 'utf8');
  const options = await prettier.resolveConfig(README);
  const expected = await prettier.format(withConfigTable(readme, configTable()), { ...options, filepath: README });
  t.equal(
    block(readme),
    block(expected),
    'README.md is out of date with services/socket/src/config/variables.ts: run `npm run docs:config`',
  );
});

t.test('one row per variable, in the order of the table', async (t) => {
  const names = [...configTable().matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
  t.same(
    names,
    CONFIG_VARIABLES.map((variable) => variable.name),
  );
  t.equal(new Set(names).size, names.length, 'no variable twice');
});

t.test('withConfigTable replaces only the block between the markers', async (t) => {
  const readme = `# x\n\n${CONFIG_TABLE_START}\n\nold\n\n${CONFIG_TABLE_END}\n\nafter\n`;
  t.equal(withConfigTable(readme, 'new'), `# x\n\n${CONFIG_TABLE_START}\n\nnew\n\n${CONFIG_TABLE_END}\n\nafter\n`);
  t.throws(() => withConfigTable('# no markers\n', 'new'), /config-table:start/);
});

// Rewrites README.md's configuration table from the config schema (services/socket/src/config/variables.ts).
// Runs on the built service: `npm run docs:config` builds it first.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stdout } from 'node:process';
import * as prettier from 'prettier';
import { configTable, withConfigTable } from '../services/socket/dist/config/config-table.js';

const path = join(import.meta.dirname, '..', 'README.md');
const readme = await readFile(path, 'utf8');
const options = await prettier.resolveConfig(path);
const next = await prettier.format(withConfigTable(readme, configTable()), { ...options, filepath: path });
if (next !== readme) await writeFile(path, next);
stdout.write(`README.md: configuration table ${next === readme ? 'already up to date' : 'rewritten'}\n`);

// Writes the machine-readable contracts for clients and backends in any language, generated from the schemas
// that validate the traffic: docs/openapi.json (the HTTP API, /v1/*) and docs/asyncapi.json (the Socket.IO
// events). Runs on the built packages: `npm run docs:contracts` builds them first. The contracts test fails
// when a committed document differs from what the code generates.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stdout } from 'node:process';
import * as prettier from 'prettier';
import { asyncApiDocument } from '@gamesocket/protocol';
import { openApiDocument } from '../services/socket/dist/http/openapi-document.js';

const root = join(import.meta.dirname, '..');
const documents = {
  'docs/openapi.json': await openApiDocument(),
  'docs/asyncapi.json': asyncApiDocument(),
};

for (const [file, document] of Object.entries(documents)) {
  const path = join(root, file);
  const options = await prettier.resolveConfig(path);
  const next = await prettier.format(JSON.stringify(document), { ...options, filepath: path });
  const previous = await readFile(path, 'utf8').catch(() => undefined);
  if (next !== previous) await writeFile(path, next);
  stdout.write(`${file}: ${next === previous ? 'already up to date' : 'written'}\n`);
}

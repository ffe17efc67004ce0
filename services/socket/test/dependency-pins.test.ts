/**
 * The Socket.IO packages are pinned exactly: the internals seam (core/internals.ts) was written for
 * these versions, and a silent upgrade could change delivery. Fails when a pin is a range, when the
 * lockfile holds another version of a pinned package anywhere, or when the seam names other versions.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { WRITTEN_FOR } from '../src/core/internals.js';

const ROOT = new URL('../../../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8'));

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lockfile {
  packages: Record<string, { version?: string; link?: boolean }>;
}

/** The packages pinned exactly, by the manifest that declares them. */
const PINNED: Record<string, string[]> = {
  'services/socket/package.json': [
    'socket.io',
    'engine.io',
    'socket.io-adapter',
    'socket.io-parser',
    '@socket.io/redis-adapter',
    '@socket.io/redis-streams-adapter',
  ],
  'package.json': ['@socket.io/redis-emitter'],
};

const EXACT = /^\d+\.\d+\.\d+$/;

/** Each pinned package with its declared version. */
function pins(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [path, names] of Object.entries(PINNED)) {
    const manifest = readJson(path) as Manifest;
    for (const name of names) {
      const spec = manifest.dependencies?.[name] ?? manifest.devDependencies?.[name];
      if (spec !== undefined) found.set(name, spec);
    }
  }
  return found;
}

t.test('every Socket.IO package is declared with an exact version', async (t) => {
  const declared = pins();
  for (const names of Object.values(PINNED)) {
    for (const name of names) t.match(declared.get(name), EXACT, `${name} is pinned exactly`);
  }
  // Any other @socket.io/* package a manifest declares must be pinned (and listed above) too.
  for (const path of ['package.json', 'services/socket/package.json', 'packages/emitter/package.json']) {
    const manifest = readJson(path) as Manifest;
    const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
    for (const name of names.filter((name) => name.startsWith('@socket.io/'))) {
      t.ok(PINNED[path]?.includes(name), `${path}: ${name} is in the pinned list`);
    }
  }
});

t.test('the lockfile holds only the pinned version of each pinned package', async (t) => {
  const lock = readJson('package-lock.json') as Lockfile;
  const declared = pins();
  const seen = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const pinned = path.includes('node_modules/') ? declared.get(name) : undefined;
    if (pinned === undefined || entry.link === true) continue;
    seen.add(name);
    t.equal(entry.version, pinned, `${path} is ${pinned}`);
  }
  for (const name of declared.keys()) t.ok(seen.has(name), `${name} is in the lockfile`);
});

t.test('the internals seam was written for the pinned versions', async (t) => {
  const declared = pins();
  for (const [name, version] of Object.entries(WRITTEN_FOR)) {
    t.equal(declared.get(name), version, `${name}: pinned ${declared.get(name)}, seam written for ${version}`);
  }
});

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { build } from 'esbuild';

/**
 * What a game frontend ships: @gamesocket/client bundled for browsers with socket.io-client, minified by esbuild
 * (as `npm run build:demo` bundles the demo lobby). Measured at the time of writing: 43.8 KB, 13.8 KB gzip, of which
 * socket.io-client is 13.0 KB gzip. The budget leaves room, and fails on a regression such as the protocol's TypeBox
 * runtime or a Node built-in leaking into the browser bundle.
 */
const BUDGET_GZIP = 16 * 1024;

async function bundle(entry: string): Promise<{ bytes: number; gzip: number; inputs: string[] }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

t.test('the browser bundle of the client stays small and holds no server-side code', async (t) => {
  const client = await bundle("export { createGameSocket } from '@gamesocket/client';");
  const socketIo = await bundle("export { io } from 'socket.io-client';");
  t.ok(client.gzip < BUDGET_GZIP, `client + socket.io-client: ${client.bytes} bytes, ${client.gzip} gzip`);
  t.ok(
    client.gzip - socketIo.gzip < 2048,
    `the client adds ${client.gzip - socketIo.gzip} bytes gzip to socket.io-client's ${socketIo.gzip}`,
  );
  t.same(
    client.inputs.filter((input) => /typebox|packages\/protocol|node:|\bws\b/.test(input)),
    [],
    'no TypeBox, protocol runtime, Node built-in or ws in the browser bundle',
  );
});

// Size of the built client (tsc output, comments kept; socket.io-client itself not included), measured at the time of
// writing: dist/index.js 4758 bytes, 1703 bytes gzip (node:zlib level 9). For reference socket.io-client's own
// dist/socket.io.esm.min.js is 40 759 bytes, 12 945 gzip. The browser bundle is measured above.
t.test('the built client is small and imports nothing but socket.io-client', async (t) => {
  const js = readFileSync(new URL('../dist/index.js', import.meta.url));
  const gzip = gzipSync(js, { level: 9 }).length;
  t.ok(gzip < 3 * 1024, `dist/index.js: ${js.length} bytes, ${gzip} gzip (budget 3 KiB)`);
  const imports = [...js.toString().matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  t.same(imports, ['socket.io-client'], 'no Node built-ins, no protocol runtime (TypeBox) in the browser bundle');
});

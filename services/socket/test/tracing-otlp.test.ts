import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { connectClient, freePort, mintToken, spawnService, type Teardown } from '@gamesocket/test-helpers';

/** A local OTLP/HTTP collector that keeps what it is sent. */
async function otlpSink(t: Teardown) {
  const received: { path: string; type: string; body: Buffer }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/otlp`, received };
}

t.test('with OTEL_EXPORTER_OTLP_ENDPOINT a pod exports its spans over OTLP, flushed when it stops', async (t) => {
  const sink = await otlpSink(t);
  const pod = await spawnService(t, {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_SERVICE_NAME: 'gamesocket-under-test',
    NODE_ID: 'otlp-pod',
  });
  const token = await mintToken({ sub: 'u-otlp', username: 'otlp' });
  await connectClient(t, pod.url, { token });
  // Nothing is exported yet (the batch waits 5 s): the spans leave when the pod stops.
  t.equal(await pod.stop('SIGTERM'), 0, 'exits 0');
  t.ok(sink.received.length > 0, 'the collector got an export');
  const body = Buffer.concat(sink.received.map((request) => request.body));
  for (const request of sink.received) {
    t.equal(request.path, '/otlp/v1/traces');
    t.equal(request.type, 'application/x-protobuf');
  }
  // Protobuf keeps strings as they are: the resource and the span names can be read in the bytes.
  for (const text of ['gamesocket-under-test', 'otlp-pod', 'handshake', 'handshake.auth', 'handshake.presence']) {
    t.ok(body.includes(text), `the export holds "${text}"`);
  }
  t.notOk(body.includes(token), 'and never the token');
});

t.test(
  'a collector that cannot be reached costs the pod nothing but a warning: it serves and stops cleanly',
  async (t) => {
    // A free port nobody listens on: every export is refused.
    const pod = await spawnService(t, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    const client = await connectClient(t, pod.url, { token: await mintToken({ sub: 'u-lost', username: 'lost' }) });
    t.equal(client.connected.auth, 'ok', 'clients connect as usual');
    t.equal(await pod.stop('SIGTERM'), 0, 'exits 0: the last export is bounded');
    t.notOk(
      pod.lines.some((line) => line.includes('shutdown timed out')),
      'the shutdown did not hit its own timeout',
    );
  },
);

/**
 * A flood of handshakes with a foreign (and huge) Origin: each attempt counts against its address's
 * handshake bucket, the refusals are logged a bounded number of times with the origin cut short, and
 * the metrics still count every one.
 */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/core/logger.js';
import { REFUSAL_LOG_INTERVAL_MS } from '../src/handshake/refusal-logs.js';
import {
  TEST_ORIGIN,
  TEST_SERVICE_ENV,
  WAIT_MS,
  metricValue,
  scrapeMetrics,
  withTimeout,
} from '@gamesocket/test-helpers';

/** A pino destination that keeps every line. */
function collector(): { stream: Writable; lines(): Record<string, unknown>[]; bytes(): number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    bytes: () => Buffer.byteLength(text()),
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** One raw polling handshake from `localAddress` (another loopback address = another client): status and body. */
function attempt(url: string, origin: string, localAddress = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = httpRequest(
        `${url}/socket.io/?EIO=4&transport=polling`,
        { agent: false, headers: { origin }, localAddress },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    'polling handshake',
  );
}

const defaultOf = (name: string): number => Number(CONFIG_VARIABLES.find((v) => v.name === name)?.default);

t.test('300 handshakes with an 8 KB foreign Origin from one address', async (t) => {
  const burst = defaultOf('HANDSHAKE_BURST_PER_IP');
  const rate = defaultOf('HANDSHAKE_RATE_PER_IP');
  const out = collector();
  const config = loadConfig({
    ...TEST_SERVICE_ENV,
    LOG_LEVEL: 'info',
    NODE_ID: 'origin-flood',
    // The production defaults of the handshake rate.
    HANDSHAKE_BURST_PER_IP: String(burst),
    HANDSHAKE_RATE_PER_IP: String(rate),
  });
  const app = await buildApp(config, { log: createLogger({ level: 'info', nodeId: config.nodeId }, out.stream) });
  let closed = false;
  t.teardown(() => (closed ? undefined : app.close()));
  await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;
  const bytesBefore = out.bytes();

  const ATTEMPTS = 300;
  const evil = `http://${'x'.repeat(8 * 1024)}.example`;
  const started = Date.now();
  const answers: { status: number; body: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ATTEMPTS) {
      next++;
      answers.push(await attempt(url, evil));
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const elapsedSec = (Date.now() - started) / 1000;

  t.ok(
    answers.every((a) => a.status === 403),
    'every attempt is refused with 403',
  );
  const originRefused = answers.filter((a) => a.body.includes('origin not allowed')).length;
  const rateLimited = answers.filter((a) => a.body.includes('RATE_LIMITED')).length;
  t.equal(originRefused + rateLimited, ATTEMPTS, 'each refused for its Origin or by the rate');
  t.ok(originRefused >= 1, `the first attempts reach the Origin check (${originRefused})`);
  t.ok(
    originRefused <= burst + Math.ceil(rate * elapsedSec),
    `refused Origins drew on the address's bucket: at most the burst + refill reached the Origin check (${originRefused} in ${elapsedSec.toFixed(2)} s)`,
  );

  const other = await attempt(url, TEST_ORIGIN, '127.0.0.2');
  t.equal(other.status, 200, 'a player from another address still connects');
  const sid = (JSON.parse(other.body.slice(1)) as { sid: string }).sid;
  await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
    method: 'POST',
    headers: { origin: TEST_ORIGIN, 'content-type': 'text/plain;charset=UTF-8' },
    body: '1',
    signal: AbortSignal.timeout(WAIT_MS),
  }).then((res) => res.text());

  const metrics = await scrapeMetrics(url);
  t.equal(
    metricValue(metrics, 'gamesocket_handshakes_total', 'result="origin_refused"'),
    originRefused,
    'every Origin refusal is counted',
  );
  t.equal(
    metricValue(metrics, 'gamesocket_handshakes_refused_total', 'code="RATE_LIMITED",limit="ip_handshake_rate"'),
    rateLimited,
    'every rate refusal is counted',
  );

  closed = true;
  await app.close();
  const lines = out.lines().filter((line) => String(line.msg).includes('origin not allowed'));
  const logged = lines.reduce((sum, line) => sum + (typeof line.count === 'number' ? line.count : 1), 0);
  t.equal(logged, originRefused, 'the log lines account for every Origin refusal (one line, then counts)');
  t.ok(
    lines.length <= 2 + Math.ceil((elapsedSec * 1000) / REFUSAL_LOG_INTERVAL_MS),
    `one line, then at most one per ${REFUSAL_LOG_INTERVAL_MS} ms (${lines.length} lines)`,
  );
  const longest = Math.max(...lines.map((line) => JSON.stringify(line).length));
  t.ok(longest < 1024, `no line carries the 8 KB Origin (longest ${longest} bytes)`);
  t.match(lines[0], { origin: `${evil.slice(0, 100)}…` }, 'the origin cut to 100 characters');
  const written = out.bytes() - bytesBefore;
  t.ok(written < 16 * 1024, `the flood wrote ${written} bytes of logs in all`);
});

import { readFileSync } from 'node:fs';
import t from 'tap';
import fc from 'fast-check';
import WebSocket from 'ws';
import { FUZZ_USERS, fuzzCase, type FuzzCase } from '@gamesocket/test-helpers/fuzz-frames';
import {
  RECORD_SEPARATOR,
  type ServiceProcess,
  type Teardown,
  TEST_ORIGIN,
  WAIT_MS,
  authCookie,
  connectClient,
  eventually,
  mintToken,
  spawnService,
  startRedis,
  waitFor,
  withTimeout,
} from '@gamesocket/test-helpers';

// Property-based fuzzing of a running pod over raw Engine.IO v4: batches of generated cases (a
// connection over WebSocket or long-polling, a CONNECT or not, then valid-ish and broken frames) go
// to a service process (real Redis, redis-streams mode, so recovery paths are fuzzed too). After each
// batch the pod must be alive, answer /healthz, serve a normal signed-in client an event, keep its
// RSS within a bound, have logged no error, and have clean prototypes. `npm run fuzz` runs it deeper.
// Environment: FUZZ_SEED, FUZZ_PATH (replay), FUZZ_CASES, FUZZ_BATCH, FUZZ_CONCURRENCY, FUZZ_RSS_BOUND_MB.

const DEEP = process.env.FUZZ_DEEP === '1';
const envInt = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number.parseInt(value, 10);
};
const SEED = envInt('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const PATH = process.env.FUZZ_PATH;
const CASES = envInt('FUZZ_CASES', DEEP ? 30_000 : 3_000);
const BATCH = envInt('FUZZ_BATCH', 250);
const CONCURRENCY = envInt('FUZZ_CONCURRENCY', 16);
/** RSS the pod may grow by over its post-warm-up baseline. */
const RSS_BOUND_MB = envInt('FUZZ_RSS_BOUND_MB', 96);
const MAX_PAYLOAD_BYTES = 16 * 1024;
const API_TOKEN = 'fuzz-api-token-0123456789abcdef';
/** How long a case lingers for the server's answers before it hangs up. */
const LINGER_MS = 100;

// Loaded into the service process (with --expose-gc): on SIGUSR2 it collects garbage, then prints
// the prototypes' own keys and the live heap, as one JSON line.
const PROTOTYPE_PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    `process.on('SIGUSR2', () => { globalThis.gc?.(); process.stdout.write(JSON.stringify({ prototypeProbe: {
      object: Object.getOwnPropertyNames(Object.prototype).sort(),
      array: Object.getOwnPropertyNames(Array.prototype).sort(),
      polluted: ({}).polluted ?? null, heapUsed: process.memoryUsage().heapUsed } }) + '\\n'); });`,
  );

interface Context {
  url: string;
  /** One token per fuzzing user (`fuzzer-<i>`). */
  tokens: string[];
}

function headersOf(c: FuzzCase, ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  if (c.origin === 'allowed') headers.origin = TEST_ORIGIN;
  else if (c.origin === 'foreign') headers.origin = 'http://evil.example';
  if (c.cookie === 'token') headers.cookie = authCookie(ctx.tokens[c.user] as string);
  else if (c.cookie === 'garbage') headers.cookie = '__proto__=x; accessToken=not.a.jwt; constructor=1';
  return headers;
}

/** Sends one case over a raw WebSocket; resolves when the server closed or the linger passed. */
function runWebSocketCase(c: FuzzCase, ctx: Context): Promise<void> {
  return new Promise((resolve) => {
    const url = `${ctx.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket${c.query}`;
    caseStep.set(c, `upgrade@${Date.now()}`);
    const ws = new WebSocket(url, { headers: headersOf(c, ctx), handshakeTimeout: WAIT_MS });
    let timer: NodeJS.Timeout | undefined;
    let framesSent = false;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve();
      try {
        ws.terminate();
      } catch {
        // Already torn down.
      }
    };
    const sendFrames = (): void => {
      if (framesSent || finished) return;
      framesSent = true;
      clearTimeout(timer);
      for (const frame of c.frames) ws.send(frame);
      timer = setTimeout(done, LINGER_MS);
    };
    ws.on('error', done);
    ws.on('unexpected-response', done);
    ws.on('close', done);
    ws.on('open', () => {
      caseStep.set(c, `open@${Date.now()}`);
      if (c.connect === null) return sendFrames();
      // Events before the CONNECT answer only test "invalid state": wait for it (or give up soon).
      ws.send(c.connect);
      timer = setTimeout(sendFrames, LINGER_MS);
      ws.on('message', (data: Buffer) => {
        if (/^4[04]/.test(data.toString('latin1', 0, 2))) sendFrames();
      });
    });
  });
}

/** Where each running case is, for the report of a case that hangs. */
const caseStep = new Map<FuzzCase, string>();

/** A fetch whose whole exchange (headers and body) is cut at `timeoutMs` (a plain timer, strongly held). */
async function timedFetch(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: abort.signal });
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one case over raw long-polling: handshake GET, the CONNECT, one POST of every frame, short polls. */
async function runPollingCase(c: FuzzCase, ctx: Context): Promise<void> {
  const base = `${ctx.url}/socket.io/?EIO=4&transport=polling${c.query}`;
  const headers = headersOf(c, ctx);
  caseStep.set(c, `handshake@${Date.now()}`);
  const open = await timedFetch(base, { headers }, WAIT_MS);
  if (open.status !== 200 || !open.text.startsWith('0{')) return;
  const { sid } = JSON.parse(open.text.slice(1)) as { sid: string };
  const session = `${base}&sid=${encodeURIComponent(sid)}`;
  const post = async (body: string): Promise<void> => {
    const postHeaders = { ...headers, 'content-type': 'text/plain;charset=UTF-8' };
    await timedFetch(session, { method: 'POST', headers: postHeaders, body }, WAIT_MS);
  };
  // A short poll for the answers; cutting it ends the session (Engine.IO: poll closed prematurely).
  const poll = (): Promise<unknown> => timedFetch(session, { headers }, LINGER_MS * 3).catch(() => undefined);
  if (c.connect !== null) {
    caseStep.set(c, `connect@${Date.now()}`);
    await post(c.connect);
    caseStep.set(c, `connect poll@${Date.now()}`);
    await poll();
  }
  const packets = c.frames.map((frame) =>
    typeof frame === 'string' ? frame : `b${Buffer.from(frame).toString('base64')}`,
  );
  caseStep.set(c, `frames@${Date.now()}`);
  await post(packets.join(RECORD_SEPARATOR));
  caseStep.set(c, `frames poll@${Date.now()}`);
  await poll();
  caseStep.set(c, `done@${Date.now()}`);
}

/**
 * Cases that neither finished nor failed within CASE_TIMEOUT_MS (longer than all their request timeouts
 * together), with the step each was at. Reported, not failed: the rare ones seen were long-polling cases on
 * a heavily loaded machine that never reproduced alone, and the pod was healthy after each of those
 * batches; the pod's health after the batch is what the property judges.
 */
const stuckCases: FuzzCase[] = [];
const CASE_TIMEOUT_MS = WAIT_MS * 4;

async function runCase(c: FuzzCase, ctx: Context): Promise<void> {
  caseStep.set(c, `queued@${Date.now()}`);
  const run = c.transport === 'websocket' ? runWebSocketCase(c, ctx) : runPollingCase(c, ctx);
  try {
    await withTimeout(run, CASE_TIMEOUT_MS, 'fuzz case');
  } catch (err) {
    if (err instanceof Error && err.message.includes('fuzz case')) {
      stuckCases.push(c);
      caseStep.set(c, `${caseStep.get(c) ?? 'never started'}, hung@${Date.now()}`);
      return;
    }
    // Otherwise a refused or reset connection: an answer too; the pod's health is judged after the batch.
  }
  caseStep.delete(c);
}

/** Runs `cases` with at most CONCURRENCY at once. */
async function runBatch(cases: FuzzCase[], ctx: Context): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) await runCase(cases[next++] as FuzzCase, ctx);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error('no VmRSS');
  return Number(match[1]) / 1024;
}

interface PrototypeProbe {
  object: string[];
  array: string[];
  polluted: unknown;
  /** Live heap bytes right after a full GC. */
  heapUsed: number;
}

async function probePrototypes(service: ServiceProcess): Promise<PrototypeProbe> {
  const from = service.lines.length;
  service.child.kill('SIGUSR2');
  let found: PrototypeProbe | undefined;
  await eventually(
    () => {
      for (const line of service.lines.slice(from)) {
        if (line.startsWith('{"prototypeProbe"'))
          found = (JSON.parse(line) as { prototypeProbe: PrototypeProbe }).prototypeProbe;
      }
      return found !== undefined;
    },
    WAIT_MS,
    'prototype probe',
  );
  return found as PrototypeProbe;
}

/** A normal signed-in client connects, is authenticated and receives an event published to it. */
async function normalClientServed(t: Teardown, service: ServiceProcess, batch: number): Promise<boolean> {
  try {
    const health = await fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
    if (health.status !== 200) return false;
    const userId = `fuzz-probe-${batch}`;
    const token = await mintToken({ sub: userId, username: userId, role: 'player' });
    const client = await connectClient(t, service.url, { token });
    if (client.connected.auth !== 'ok') return false;
    const stats = { online: batch, connections: batch, nodes: 1 };
    const received = waitFor<unknown>(client.socket as unknown as object, 'lobby:stats');
    const res = await fetch(`${service.url}/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: `user:${userId}`, event: 'lobby:stats', data: stats }),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    const got = await received;
    client.socket.disconnect();
    return res.status === 202 && JSON.stringify(got) === JSON.stringify(stats);
  } catch {
    return false;
  }
}

/** `name{label="x"} v` lines of the pod's metrics for these counters, one summary line each. */
async function metricSummary(url: string, names: string[]): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) })).text();
  return names.map((name) => {
    const parts = text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`))
      .map((line) => {
        const label = /\{([a-z]+)="([^"]*)"/.exec(line);
        return `${label?.[2] ?? '?'}=${line.split(' ').pop() ?? '?'}`;
      });
    return `${name}: ${parts.join(' ') || 'none'}`;
  });
}

const errorLines = (service: ServiceProcess): string[] =>
  service.lines.filter((line) => /^\{"level":(50|60)\b/.test(line));

t.test('fuzzing raw Engine.IO v4 frames: the pod stays up, bounded and serving', async (t) => {
  const redis = await startRedis(t);
  const service = await spawnService(
    t,
    {
      REDIS_URL: redis.url,
      ADAPTER: 'redis-streams',
      PUBLISH_API_TOKEN: API_TOKEN,
      MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
      NODE_ID: 'fuzz-pod',
      // Abandoned long-polling sessions (cases that just stop) are reaped within seconds, not 85 s.
      PING_INTERVAL_MS: '2000',
      PING_TIMEOUT_MS: '3000',
    },
    { nodeArgs: ['--expose-gc', '--import', PROTOTYPE_PROBE] },
  );
  const pid = service.child.pid as number;
  const users = Array.from({ length: FUZZ_USERS }, (_, i) => `fuzzer-${i}`);
  const ctx: Context = {
    url: service.url,
    tokens: await Promise.all(users.map((sub) => mintToken({ sub, username: sub, role: 'player' }))),
  };
  const cleanPrototypes = await probePrototypes(service);

  // Warm-up: the first batch's allocations (JIT, pools, Redis buffers) are the baseline, not growth.
  await runBatch(fc.sample(fuzzCase(MAX_PAYLOAD_BYTES), { seed: SEED ^ 0x5eed, numRuns: BATCH }), ctx);
  const baseline = rssMiB(pid);
  const baselineHeap = (await probePrototypes(service)).heapUsed / 2 ** 20;
  const rssSamples: number[] = [];
  let lastHeap = baselineHeap;
  const heapSamples: number[] = [];

  const batches = Math.max(1, Math.ceil(CASES / BATCH));
  let casesSent = 0;
  let framesSent = 0;
  let batchesRun = 0;
  let servedAfter = 0;
  let maxGrowth = 0;
  const failures: string[] = [];
  const details = await fc.check(
    fc.asyncProperty(fc.array(fuzzCase(MAX_PAYLOAD_BYTES), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
      await runBatch(cases, ctx);
      batchesRun++;
      casesSent += cases.length;
      framesSent += cases.reduce((n, c) => n + c.frames.length + (c.connect === null ? 0 : 1), 0);
      if (!service.alive()) {
        failures.push(`batch ${batchesRun}: the service process exited`);
        return false;
      }
      const served = await normalClientServed(t, service, batchesRun);
      if (served) servedAfter++;
      else failures.push(`batch ${batchesRun}: a normal client was not served`);
      const rss = rssMiB(pid);
      rssSamples.push(rss);
      const growth = rss - baseline;
      maxGrowth = Math.max(maxGrowth, growth);
      if (growth > RSS_BOUND_MB) failures.push(`batch ${batchesRun}: RSS grew ${growth.toFixed(1)} MiB`);
      const prototypes = await probePrototypes(service);
      lastHeap = prototypes.heapUsed / 2 ** 20;
      heapSamples.push(lastHeap);
      const shape = (p: PrototypeProbe): string => JSON.stringify([p.object, p.array, p.polluted]);
      const clean = shape(prototypes) === shape(cleanPrototypes);
      if (!clean) failures.push(`batch ${batchesRun}: prototypes changed: ${JSON.stringify(prototypes)}`);
      const errors = errorLines(service);
      if (errors.length > 0) failures.push(`batch ${batchesRun}: error logged: ${errors[0]?.slice(0, 500)}`);
      return served && growth <= RSS_BOUND_MB && clean && errors.length === 0;
    }),
    { seed: SEED, numRuns: batches, endOnFailure: true, ...(PATH !== undefined && { path: PATH }) },
  );

  // Presence must converge: once every fuzzing connection is closed (abandoned polling sessions
  // time out), the fuzzing users hold none.
  let presenceLeft = -1;
  if (service.alive()) {
    await eventually(
      async () => {
        const res = await fetch(`${service.url}/v1/presence?users=${users.join(',')}`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
          signal: AbortSignal.timeout(WAIT_MS),
        });
        const body = (await res.json()) as { users: { connections: number }[] };
        presenceLeft = body.users.reduce((n, u) => n + u.connections, 0);
        return presenceLeft === 0;
      },
      WAIT_MS * 3,
      'the fuzzing users to hold no connection',
    ).catch(() => undefined);
  }
  // Once every session is gone, what is still live after a full GC is what the fuzzing left behind.
  const finalHeap = service.alive() ? (await probePrototypes(service)).heapUsed / 2 ** 20 : NaN;
  const crashes = service.alive() ? 0 : 1;
  t.comment(`fuzz: seed ${SEED}${PATH === undefined ? '' : ` path ${PATH}`}; ${batchesRun} batches of ${BATCH}`);
  t.comment(`fuzz: cases sent ${casesSent} (+${BATCH} warm-up), frames sent ${framesSent}, crashes ${crashes}`);
  const quartiles = (samples: number[]): string =>
    [0.25, 0.5, 0.75, 1].map((q) => samples[Math.max(0, Math.ceil(q * samples.length) - 1)]?.toFixed(1)).join(' / ');
  t.comment(`fuzz: RSS after 25/50/75/100 % of batches: ${quartiles(rssSamples)} MiB`);
  t.comment(`fuzz: live heap after a full GC, after 25/50/75/100 % of batches: ${quartiles(heapSamples)} MiB`);
  t.comment(
    `fuzz: live heap after a full GC: ${baselineHeap.toFixed(1)} MiB before, ${lastHeap.toFixed(1)} MiB after the last batch, ` +
      `${finalHeap.toFixed(1)} MiB once every session closed`,
  );
  t.comment(
    `fuzz: RSS baseline ${baseline.toFixed(1)} MiB, max growth ${maxGrowth.toFixed(1)} MiB (bound ${RSS_BOUND_MB})`,
  );
  t.comment(
    `fuzz: normal client served after every batch: ${servedAfter === batchesRun ? 'yes' : 'NO'} (${servedAfter}/${batchesRun})`,
  );
  t.comment(
    `fuzz: error lines logged ${errorLines(service).length}; prototypes clean: ${failures.every((f) => !f.includes('prototypes'))}`,
  );
  if (service.alive()) {
    const counters = [
      'gamesocket_handshakes_total',
      'gamesocket_handshakes_refused_total',
      'gamesocket_protocol_refusals_total',
      'gamesocket_events_rejected_total',
      'gamesocket_disconnects_total',
    ];
    for (const line of await metricSummary(service.url, counters)) t.comment(`fuzz: ${line}`);
  }
  if (details.failed) {
    t.comment(`fuzz: FAILED: ${failures.join('; ')}`);
    t.comment(
      `fuzz: reproduce with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} FUZZ_BATCH=${BATCH}`,
    );
  }

  const show = (c: FuzzCase): string =>
    JSON.stringify({
      ...c,
      frames: c.frames.map((f) => (typeof f === 'string' ? f.slice(0, 200) : `<${f.length} bytes>`)),
    });
  t.comment(`fuzz: cases that hung (no end within ${CASE_TIMEOUT_MS} ms): ${stuckCases.length}`);
  for (const c of stuckCases.slice(0, 3)) t.comment(`fuzz: hung case: ${show(c)}`);
  t.comment(`fuzz: connections the fuzzing users still hold once every case closed: ${presenceLeft}`);
  t.equal(crashes, 0, 'no crash');
  t.equal(presenceLeft, 0, 'presence converged: no connection leaked');
  t.equal(servedAfter, batchesRun, 'a normal client was served after every batch');
  t.ok(maxGrowth <= RSS_BOUND_MB, `RSS growth ${maxGrowth.toFixed(1)} MiB within ${RSS_BOUND_MB} MiB`);
  t.equal(details.failed, false, details.failed ? failures.join('; ') : 'every batch passed');
});

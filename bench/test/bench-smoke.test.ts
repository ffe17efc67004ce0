import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '@gamesocket/test-helpers';

// The compiled runner (`npm run build` / `npm test`'s typecheck build it like the service).
const RUNNER = fileURLToPath(new URL('../dist/run.js', import.meta.url));
// About 50 s alone; beside another heavy test file on two cores it has taken over 100 s. A bound against a hang,
// not a timing check, so it is generous, and the file's own tap timeout is raised to match.
const SMOKE_MS = 240_000;
t.setTimeout(SMOKE_MS + 30_000);

interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  rounds: (number | null)[];
}

interface Report {
  version: number;
  mode: string;
  valid: boolean;
  invalidReasons: string[];
  machine: { cpus: number; node: string; pinned: boolean };
  targets: { id: string; measure: string; value: Spread; target: string; pass: boolean | null; peer?: Spread }[];
  rounds: {
    idle: { system: string; rssPerConn: number | null; rssLessYoungPerConn: number | null }[];
    handshake: { variant: string; cpuUsPerHandshake: number | null }[];
    fanout: { system: string; clients: number; lastClientMs: number[]; missing: number }[];
    rooms: { system: string; clients: number; roomSize: number; p99: number | null; missing: number }[];
    churn: { system: string; completed: number; failed: number; cpuUsPerCycle: number }[];
    recovery: unknown[];
    scale: { held: number; steps: { connections: number; dropped: number; maxPingGapMs: number }[] }[];
    errors: string[];
  }[];
}

t.test('the bench runner in smoke mode writes a well-formed report and an SVG chart', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gamesocket-bench-smoke-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [RUNNER, '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
    SMOKE_MS,
    'the smoke run to finish',
  );
  t.equal(code, 0, 'the runner exits 0', { output: output.slice(-2000) });
  t.match(output, /measured: median \(min-max\)/, 'prints the results table');

  const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Report;
  t.equal(report.version, 1);
  t.equal(report.mode, 'smoke');
  t.type(report.valid, 'boolean');
  t.ok(Array.isArray(report.invalidReasons));
  t.ok(report.machine.cpus > 0);
  t.same(
    report.targets.map((target) => target.id),
    [
      '1a',
      '1b',
      '1c',
      '1d',
      '1e',
      '1f',
      '2',
      '2b',
      '3a',
      '3b',
      '3c',
      '3d',
      '3e',
      '4a',
      '4b',
      '4c',
      '4d',
      '5a',
      '5b',
      '6',
      '6b',
      '7a',
      '7b',
      '7c',
      '7d',
      '8a',
      '8b',
      '8c',
      '8d',
    ],
    'every target of the issue is reported',
  );
  for (const target of report.targets) {
    t.ok(target.pass === null || typeof target.pass === 'boolean', `${target.id}: pass is a mark`);
    t.ok(target.value.median === null || typeof target.value.median === 'number', `${target.id}: median`);
    t.match(target.target, /^([<>]= |none$)/, `${target.id}: target text (none: a figure without a target)`);
  }
  t.equal(report.rounds.length, 1, 'one round in smoke mode');
  const [round] = report.rounds;
  t.same(round?.errors, [], 'no scenario failed');
  t.same(
    round?.idle.map((r) => r.system),
    ['gamesocket', 'peer', 'limit', 'floor'],
  );
  for (const idle of round?.idle ?? []) {
    t.type(idle.rssLessYoungPerConn, 'number', `idle ${idle.system}: RSS less the young generation`);
  }
  t.ok(
    report.targets.find((target) => target.id === '1e')?.peer !== undefined,
    "1e carries the plain peer's same ratio",
  );
  t.equal(round?.handshake.length, 5, 'every handshake variant');
  t.equal(round?.fanout.length, 7, 'fanout: 4 systems at the big audience, 3 at the small one');
  for (const fanout of round?.fanout ?? []) {
    t.equal(fanout.missing, 0, `fanout ${fanout.system} x${fanout.clients}: every broadcast reached every client`);
    t.ok(fanout.lastClientMs.length > 0, `fanout ${fanout.system}: latencies recorded`);
  }
  t.same(
    round?.rooms.map((r) => r.system),
    ['gamesocket', 'peer', 'limit', 'floor'],
    'small rooms: every system',
  );
  for (const rooms of round?.rooms ?? []) {
    t.equal(rooms.missing, 0, `rooms ${rooms.system}: every broadcast reached every member`);
    t.type(rooms.p99, 'number', `rooms ${rooms.system}: latencies recorded`);
  }
  t.equal(round?.scale.length, 1, 'the scale scenario ran in the (last) round');
  const scale = round?.scale[0];
  t.equal(scale?.held, 40, 'scale: the pod held every step');
  t.same(
    scale?.steps.map((step) => [step.connections, step.dropped]),
    [
      [20, 0],
      [40, 0],
    ],
  );
  t.ok((scale?.steps[1]?.maxPingGapMs ?? 0) >= 500, 'scale: ping gaps measured (at least the interval)');
  t.same(
    round?.churn.map((r) => r.system),
    ['gamesocket', 'peer'],
    'churn: gamesocket and the plain peer at the same rate',
  );
  for (const churn of round?.churn ?? []) {
    t.ok(churn.completed > 0 && churn.failed === 0, `churn ${churn.system}: every cycle completed`);
    t.ok(churn.cpuUsPerCycle > 0, `churn ${churn.system}: CPU per cycle measured`);
  }
  t.equal(round?.recovery.length, 1);

  const svg = readFileSync(join(out, 'fanout-latency.svg'), 'utf8');
  t.match(svg, /^<svg [^>]*viewBox="0 0 \d+ \d+"/, 'an SVG document');
  t.match(svg, /<\/svg>\n$/);
  t.equal((svg.match(/<path /g) ?? []).length, 4, 'one CDF line per system');
  t.equal((svg.match(/<text/g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length, 'text elements are closed');
  t.notMatch(svg, /NaN|undefined/, 'no broken numbers');
});

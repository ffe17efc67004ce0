/**
 * The internals seam's boot check (core/internals.ts): a Socket.IO package of another version, or a
 * missing private member, stops the service at boot with one line naming the package and version.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  InternalsMismatch,
  WRITTEN_FOR,
  checkInternals,
  installedVersions,
  memberChecks,
  type MemberCheck,
} from '../src/core/internals.js';
import { TEST_SERVICE_ENV, WAIT_MS, withTimeout, type Teardown } from '@gamesocket/test-helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SEAM = 'the internals seam (core/internals.ts)';

t.test('the installed packages are the ones the seam was written for, with every member it uses', async (t) => {
  t.same(installedVersions(), WRITTEN_FOR);
  t.doesNotThrow(() => checkInternals());
  t.ok(
    memberChecks().every((check) => check.holder !== undefined),
    'every prototype was found',
  );
});

t.test('another installed version fails with one line naming the package and both versions', async (t) => {
  t.throws(() => checkInternals({ ...WRITTEN_FOR, 'socket.io': '4.9.0' }), {
    constructor: InternalsMismatch,
    message: `gamesocket: socket.io 4.9.0 is installed, ${SEAM} was written for 4.8.4`,
  });
  t.throws(() => checkInternals({ ...WRITTEN_FOR, 'socket.io-adapter': '2.5.10' }), {
    message: `gamesocket: socket.io-adapter 2.5.10 is installed, ${SEAM} was written for 2.5.9`,
  });
  t.throws(() => checkInternals({ ...WRITTEN_FOR, 'engine.io': undefined }), {
    message: `gamesocket: engine.io is not installed, ${SEAM} was written for 6.6.13`,
  });
});

t.test('a prototype without a member the seam uses fails with one line', async (t) => {
  const members: MemberCheck[] = [
    ...memberChecks().filter((check) => check.member !== 'Namespace.prototype._createSocket'),
    { package: 'socket.io', member: 'Namespace.prototype._createSocket', holder: { _createSocket: 'not a function' } },
  ];
  t.throws(() => checkInternals(WRITTEN_FOR, members), {
    constructor: InternalsMismatch,
    message: `gamesocket: socket.io 4.8.4 has no Namespace.prototype._createSocket, which ${SEAM} uses`,
  });
  t.throws(
    () =>
      checkInternals(WRITTEN_FOR, [
        { package: 'socket.io', member: 'Client.prototype.writeToEngine', holder: undefined },
      ]),
    { message: `gamesocket: socket.io 4.8.4 has no Client.prototype.writeToEngine, which ${SEAM} uses` },
  );
  const ping = memberChecks().find((check) => check.member === 'Socket.prototype.resetPingTimeout')!;
  t.throws(() => checkInternals(WRITTEN_FOR, [{ ...ping, holder: {} }]), {
    message: `gamesocket: engine.io 6.6.13 has no Socket.prototype.resetPingTimeout, which ${SEAM} uses`,
  });
  const redis = memberChecks().find((check) => check.package === 'ioredis')!;
  t.throws(() => checkInternals(WRITTEN_FOR, [{ ...redis, holder: {} }]), {
    message: `gamesocket: ioredis has no ${redis.member}, which ${SEAM} uses`,
  });
});

/**
 * A copy of the built service whose `node_modules` links every installed package but socket.io,
 * which is a copy whose package.json says `version`.
 */
function serviceWithSocketIo(t: Teardown, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gamesocket-internals-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== 'socket.io') symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  cpSync(join(ROOT, 'node_modules', 'socket.io'), join(modules, 'socket.io'), { recursive: true });
  const manifestPath = join(modules, 'socket.io', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, version }));
  const service = join(dir, 'services', 'socket');
  cpSync(join(ROOT, 'services', 'socket', 'dist'), join(service, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'services', 'socket', 'node_modules'), join(service, 'node_modules'));
  return join(service, 'dist', 'main.js');
}

/** How a boot ended. */
interface Boot {
  code: number | null;
  stderr: string;
  /** True when it logged that it listens (and was then stopped). */
  listened: boolean;
}

/** Runs `main` until it exits, or until it logs that it listens (then stops it); bounded. */
async function boot(t: Teardown, main: string): Promise<Boot> {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      ...TEST_SERVICE_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  let listened = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!listened && stdout.includes('"gamesocket listening"')) {
      listened = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))),
    // Generous: a busy 2-core machine can take long to boot a pod; a hang still ends red.
    WAIT_MS * 6,
    'the service to boot or exit',
  );
  return { code, stderr, listened };
}

t.test('a real boot against another socket.io version fails with that one line', async (t) => {
  // The same copy with the version it was written for boots: what fails below is the version alone.
  const control = await boot(t, serviceWithSocketIo(t, WRITTEN_FOR['socket.io']));
  t.ok(control.listened, `the copy with socket.io ${WRITTEN_FOR['socket.io']} boots (stderr: ${control.stderr})`);

  const result = await boot(t, serviceWithSocketIo(t, '4.9.0'));
  t.equal(result.code, 1);
  t.equal(result.stderr, `gamesocket: socket.io 4.9.0 is installed, ${SEAM} was written for 4.8.4\n`);
  t.notOk(result.listened, 'it never listened');
});

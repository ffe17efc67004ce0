/**
 * Debian's python3-socketio (`.ci/run` installs it) as a native client, websocket only: signed in with
 * the cookie, then with `auth={"token": ...}`; `system:ping` answered, `lobby:join` acknowledged. It
 * sends the Origin of the URL it connects to, which the service accepts as same-origin. A missing
 * python or module fails the test: it is never skipped.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { WAIT_MS, mintToken, startService } from '@gamesocket/test-helpers';

/** Debian's interpreter, where apt installs python3-socketio; PYTHON3_PATH overrides it. */
const PYTHON3 = process.env.PYTHON3_PATH ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/python_client.py', import.meta.url));

interface PythonResult {
  auth: string;
  user: { userId: string } | null;
  transport: string;
  pong: unknown;
  joined: unknown;
}

/** Runs the python client against `url`; rejects on a non-zero exit or when it outlives the bound. */
function runPython(url: string, mode: 'cookie' | 'auth', token: string): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON3,
      [SCRIPT, url, mode, token],
      { timeout: 3 * WAIT_MS, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`python client (${mode}) failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PythonResult);
      },
    );
  });
}

t.test('python3-socketio over websocket: cookie and auth token', async (t) => {
  const { url, app } = await startService(t);
  let refusedHandshakes = 0;
  app.io.engine.on('connection_error', () => refusedHandshakes++);

  for (const mode of ['cookie', 'auth'] as const) {
    t.test(`signed in with the ${mode === 'cookie' ? 'cookie' : 'auth token'}`, async (t) => {
      const userId = `python-${mode}`;
      const result = await runPython(url, mode, await mintToken({ sub: userId }));
      t.equal(result.transport, 'websocket', 'websocket only');
      t.equal(result.auth, 'ok', 'signed in');
      t.equal(result.user?.userId, userId);
      t.match(result.pong, { pong: true, timestamp: Number }, 'system:ping answered');
      t.same(result.joined, { ok: true }, 'lobby:join acknowledged');
    });
  }
  t.equal(refusedHandshakes, 0, 'no handshake was refused');
});

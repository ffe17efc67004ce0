import { startLobbyExample, type LobbyExampleOptions } from './app.js';
import { ConfigError, loadOptions } from './config.js';

function fail(message: string): never {
  process.stderr.write(`lobby-example: ${message}\n`);
  process.exit(1);
}

function readOptions(): LobbyExampleOptions {
  try {
    return loadOptions(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid config: ${err.message}`);
    throw err;
  }
}

const lobby = await startLobbyExample(readOptions()).catch((err: unknown) =>
  fail(`cannot start: ${(err as Error).message}`),
);
process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'lobby-example listening', url: lobby.url })}\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => fail('shutdown timed out'), 10_000).unref();
  await lobby.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

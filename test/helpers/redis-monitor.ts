import type { Teardown } from './service.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** A command Redis ran, as MONITOR reports it. */
export interface MonitoredCommand {
  /** The command name (lowercase) and its arguments. */
  args: string[];
  /** `host:port` of the client that sent it, or `lua` for a command a script ran. */
  source: string;
}

/** The MONITOR connection of an ioredis client (`await client.monitor()`). */
interface MonitorConnection {
  on(event: 'monitor', listener: (time: string, args: string[], source: string) => void): unknown;
  disconnect(): void;
}

/** What `monitorCommands` needs of an ioredis client (standalone). */
export interface MonitorableClient {
  monitor(): Promise<MonitorConnection>;
  echo(message: string): Promise<string>;
}

/** Every command a Redis server runs from now on (MONITOR), for tests that count real commands. */
export interface CommandLog {
  /** Commands seen so far, in the order Redis ran them. */
  readonly commands: readonly MonitoredCommand[];
  /** Resolves once every command Redis ran before this call is in `commands` (a marker's round trip). */
  settle(): Promise<void>;
  /** Commands clients sent (not the ones scripts ran), from index `from` of `commands`. */
  sent(from?: number): MonitoredCommand[];
}

/**
 * Starts MONITOR on a second connection of `client`'s server, stopped at teardown. MONITOR reports
 * commands in the order Redis ran them, so `settle` (an ECHO through `client`) is a barrier.
 */
export async function monitorCommands(t: Teardown, client: MonitorableClient): Promise<CommandLog> {
  const commands: MonitoredCommand[] = [];
  const markers = new Map<string, () => void>();
  const monitor = await client.monitor();
  t.teardown(() => monitor.disconnect());
  monitor.on('monitor', (_time, args, source) => {
    const [name = '', ...rest] = args;
    if (name.toLowerCase() === 'echo' && markers.has(rest[0] ?? '')) {
      markers.get(rest[0] ?? '')?.();
      return;
    }
    commands.push({ args: [name.toLowerCase(), ...rest], source });
  });
  let next = 0;
  return {
    commands,
    async settle() {
      const marker = `monitor-marker-${next++}`;
      const seen = new Promise<void>((resolve) => markers.set(marker, resolve));
      await client.echo(marker);
      await withTimeout(seen, WAIT_MS, `MONITOR to report ${marker}`);
      markers.delete(marker);
    },
    sent: (from = 0) => commands.slice(from).filter((command) => command.source !== 'lua'),
  };
}

import type { Teardown } from './service.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** A command Redis ran, as MONITOR reports it. */
export interface MonitoredCommand {
  /** The command name (lowercase) and its arguments. */
  args: string[];
  /** `host:port` of the client that sent it, or `lua` for a command a script ran. */
  source: string;
}

/** A MONITOR connection: an ioredis duplicate made with `{ monitor: true }`. */
interface MonitorConnection {
  on(event: 'monitor', listener: (time: string, args: string[], source: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'monitoring', listener: () => void): unknown;
  connect(): Promise<void>;
  disconnect(): void;
}

/** What `monitorCommands` needs of an ioredis client (standalone). */
export interface MonitorableClient {
  duplicate(options: { monitor: true; lazyConnect: true }): MonitorConnection;
  echo(message: string): Promise<string>;
}

// ioredis enters monitoring mode a microtask after MONITOR's +OK: lines read in the same chunk as the +OK meet an
// empty command queue.
const ENTERING_MONITOR_RACE = /^Command queue state error/;

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
  const monitor = client.duplicate({ monitor: true, lazyConnect: true });
  t.teardown(() => monitor.disconnect());
  const failures: Error[] = [];
  // `client.monitor()` leaves these errors unhandled (an uncaught exception); they only drop lines from before the
  // start.
  monitor.on('error', (error) => {
    if (!ENTERING_MONITOR_RACE.test(error.message)) failures.push(error);
  });
  const monitoring = new Promise<void>((resolve) => monitor.once('monitoring', resolve));
  await monitor.connect();
  await withTimeout(monitoring, WAIT_MS, 'MONITOR to start');
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
      if (failures.length > 0) throw failures[0];
      markers.delete(marker);
    },
    sent: (from = 0) => commands.slice(from).filter((command) => command.source !== 'lua'),
  };
}

import type { ChildProcess } from 'node:child_process';

/** A command sent to a bench child over the IPC channel. */
interface RpcRequest {
  rpc: number;
  cmd: string;
  args: unknown;
}

/** The child's answer to one `RpcRequest`. */
interface RpcReply {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Handlers of a bench child, by command name. Commands starting with `probe:` belong to the probe. */
export type RpcHandlers = Record<string, (args: never) => unknown>;

function isRequest(message: unknown): message is RpcRequest {
  return typeof message === 'object' && message !== null && typeof (message as RpcRequest).rpc === 'number';
}

/** The command a child's own handlers answer as soon as they are registered (`RpcClient#ready`). */
const READY = 'rpc:ready';

/** Serves `handlers` to the parent process; `prefix` filters which commands this server answers. */
export function serveRpc(handlers: RpcHandlers, prefix = ''): void {
  process.on('message', (message: unknown) => {
    if (!isRequest(message) || 'ok' in message) return;
    const { cmd } = message;
    if (prefix === '' ? cmd.startsWith('probe:') : !cmd.startsWith(prefix)) return;
    const handler = cmd === READY && prefix === '' ? () => true : handlers[cmd];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command ${cmd}`);
        return handler(message.args as never);
      })
      .then(
        (result) => process.send?.({ rpc: message.rpc, ok: true, result } satisfies RpcReply),
        (err: unknown) =>
          process.send?.({
            rpc: message.rpc,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          } satisfies RpcReply),
      );
  });
}

/** The parent's side: calls commands on a forked child and awaits their replies. */
export class RpcClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {
    child.on('message', (message: unknown) => {
      if (!isRequest(message) || !('ok' in message)) return;
      const reply = message as RpcReply;
      const waiter = this.pending.get(reply.rpc);
      if (waiter === undefined) return;
      this.pending.delete(reply.rpc);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`${this.name}: ${reply.error ?? 'failed'}`));
    });
    child.on('exit', (code, signal) => this.failAll(`exited (${code ?? signal}) during a command`));
    // A send to a child that is gone: its commands fail instead of the runner crashing.
    child.on('error', (err) => this.failAll(err.message));
  }

  private failAll(reason: string): void {
    for (const waiter of this.pending.values()) waiter.reject(new Error(`${this.name} ${reason}`));
    this.pending.clear();
  }

  /**
   * Resolves once the child's own handlers answer, or rejects after `timeoutMs`: a command sent before the child's
   * module registered them is lost (its preloaded probe only answers `probe:` commands).
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) {
        throw new Error(`${this.name} exited before it answered`);
      }
      try {
        await this.call(READY, {}, 250);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`${this.name}: not answering after ${timeoutMs} ms`, { cause: err });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Runs `cmd` in the child; rejects after `timeoutMs` or when the child fails it. */
  call<T>(cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const rpc = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rpc);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rpc, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ rpc, cmd, args } satisfies RpcRequest);
    });
  }
}

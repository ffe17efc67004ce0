import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './service.js';

/** A TCP proxy a test can point at another pod, like a load balancer moving a client. */
export interface SwitchProxy {
  url: string;
  /** New connections go to `port` from now on. */
  switchTo(port: number): void;
  /** Cuts every open connection (the client sees a transport close). */
  dropAll(): void;
}

/** Starts a proxy on a free port forwarding to `port`, closed at teardown. */
export async function startProxy(t: Teardown, port: number): Promise<SwitchProxy> {
  let target = port;
  const open = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(target, '127.0.0.1');
    for (const [a, b] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    switchTo: (next) => {
      target = next;
    },
    dropAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}

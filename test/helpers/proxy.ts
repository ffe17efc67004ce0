import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './service.js';

/** A TCP proxy a test can point at other pods, like a load balancer moving clients. */
export interface SwitchProxy {
  url: string;
  /** New connections go to `port` from now on. */
  switchTo(port: number): void;
  /** New connections go round-robin to `ports` from now on (a pod leaving or joining the endpoints). */
  setTargets(ports: number[]): void;
  /** Cuts every open connection (the client sees a transport close). */
  dropAll(): void;
}

/** Starts a proxy on a free port forwarding to `ports` (round-robin), closed at teardown. */
export async function startProxy(t: Teardown, ports: number | number[]): Promise<SwitchProxy> {
  let targets = [ports].flat();
  let next = 0;
  const open = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(targets[next++ % targets.length]!, '127.0.0.1');
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
    switchTo: (port) => {
      targets = [port];
    },
    setTargets: (list) => {
      targets = [...list];
    },
    dropAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}

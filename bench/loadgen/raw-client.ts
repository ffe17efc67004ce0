import WebSocket from 'ws';
import { nowMs } from '../lib/schedule.js';

/** `sio`: a raw Engine.IO v4 / Socket.IO client; `ws`: a bare WebSocket reading the same frames. */
export type ClientKind = 'sio' | 'ws';

/** How one raw client connects. */
export interface RawClientOptions {
  /** Base URL of the server, `http://host:port`. */
  url: string;
  kind: ClientKind;
  /** Query string of a `ws` client's URL (the rooms scenario's `room=<match>`), without the `?`. */
  query?: string | undefined;
  /** Cookie header of the handshake (the access token), if any. */
  cookie?: string | undefined;
  origin: string;
  /** Payload of the Socket.IO CONNECT packet (recovery sends `{ pid, offset }`). */
  connectPayload?: Record<string, unknown> | undefined;
  /** Called for every event (`42[...]`), with the event's arguments. */
  onEvent?: ((name: string, args: unknown[]) => void) | undefined;
  /** Called when the transport closes, whoever closed it. */
  onClose?: (() => void) | undefined;
}

/**
 * A protocol-level client: speaks Engine.IO v4 over a websocket (open packet, `40` connect, ping/pong,
 * `42[...]` events, `43` acks) with no socket.io-client machinery, so thousands fit in one process.
 */
export class RawClient {
  readonly ws: WebSocket;
  /** Socket.IO session id and private id (recovery) from the CONNECT reply. */
  sid: string | undefined;
  pid: string | undefined;
  /** When the `40` CONNECT packet was sent (epoch ms). */
  connectSentAt = 0;
  /** When the last Engine.IO ping arrived (epoch ms; 0 = none yet), and the longest wait between two. */
  lastPingAt = 0;
  maxPingGapMs = 0;
  closed = false;
  /** Resolves once connected (`40` reply for sio, open for ws); rejects on an error or a refusal. */
  readonly ready: Promise<void>;
  private readonly acks = new Map<number, (args: unknown[]) => void>();
  private nextAck = 1;

  constructor(private readonly options: RawClientOptions) {
    const base = options.url.replace(/^http/, 'ws');
    const target =
      options.kind === 'sio'
        ? `${base}/socket.io/?EIO=4&transport=websocket`
        : `${base}/${options.query === undefined ? '' : `?${options.query}`}`;
    const headers: Record<string, string> = { origin: options.origin };
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    this.ws = new WebSocket(target, { headers, perMessageDeflate: false });
    this.ready = new Promise<void>((resolve, reject) => {
      this.ws.on('error', (err) => reject(err));
      this.ws.on('close', () => {
        this.closed = true;
        reject(new Error('closed before connecting'));
        options.onClose?.();
      });
      if (options.kind === 'ws') this.ws.on('open', () => resolve());
      this.ws.on('message', (data: Buffer) => this.receive(data.toString(), resolve, reject));
    });
    // A refused or failed connect is reported through `ready`; later errors end in `close`.
    this.ready.catch(() => undefined);
  }

  private receive(text: string, resolve: () => void, reject: (err: Error) => void): void {
    if (this.options.kind === 'ws') {
      if (text.startsWith('42')) this.dispatch(text.slice(2));
      return;
    }
    const type = text.charCodeAt(0) - 48;
    if (type === 2) {
      const now = nowMs();
      if (this.lastPingAt > 0) this.maxPingGapMs = Math.max(this.maxPingGapMs, now - this.lastPingAt);
      this.lastPingAt = now;
      return this.ws.send('3');
    }
    if (type === 0) {
      this.connectSentAt = nowMs();
      const payload = this.options.connectPayload;
      this.ws.send(payload === undefined ? '40' : `40${JSON.stringify(payload)}`);
      return;
    }
    if (type !== 4) return;
    const packet = text.charCodeAt(1) - 48;
    if (packet === 2) return this.dispatch(text.slice(2));
    if (packet === 0) {
      const body = JSON.parse(text.slice(2) || '{}') as { sid?: string; pid?: string };
      this.sid = body.sid;
      this.pid = body.pid;
      return resolve();
    }
    if (packet === 3) {
      const match = /^(\d+)/.exec(text.slice(2));
      if (match === null) return;
      const id = Number(match[1]);
      const ack = this.acks.get(id);
      this.acks.delete(id);
      ack?.(JSON.parse(text.slice(2 + match[1]!.length)) as unknown[]);
      return;
    }
    if (packet === 4) reject(new Error(`connect refused: ${text.slice(2)}`));
  }

  private dispatch(json: string): void {
    if (this.options.onEvent === undefined) return;
    const args = JSON.parse(json) as unknown[];
    const name = args.shift();
    if (typeof name === 'string') this.options.onEvent(name, args);
  }

  /** Emits `event` with an ack and resolves with the ack's arguments (or rejects after `timeoutMs`). */
  request(event: string, args: unknown[] = [], timeoutMs = 10_000): Promise<unknown[]> {
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`${event}: no ack within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.ws.send(`42${id}${JSON.stringify([event, ...args])}`);
    });
  }

  /** Closes the transport and resolves once it is closed (bounded by `timeoutMs`). */
  close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, timeoutMs);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }
}

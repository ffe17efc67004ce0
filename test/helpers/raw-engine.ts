import { connect as netConnect } from 'node:net';
import WebSocket from 'ws';
import type { Teardown } from './service.js';
import { TEST_ORIGIN } from './service.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** Engine.IO v4 record separator between packets of one long-polling body. */
export const RECORD_SEPARATOR = '\x1e';

/** Headers of a raw client: the allowed origin unless told otherwise, and a cookie if any. */
export interface RawOptions {
  /** Origin header; default TEST_ORIGIN. */
  origin?: string;
  /** Cookie header (e.g. `authCookie(token)`). */
  cookie?: string;
  /** Extra query string, appended as is (`&a=b`). */
  query?: string;
}

function headersOf(options: RawOptions): Record<string, string> {
  const headers: Record<string, string> = { origin: options.origin ?? TEST_ORIGIN };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  return headers;
}

/** A frame the server sent, as text (binary frames as `<binary n bytes>`). */
type Frame = string;

/** A raw Engine.IO v4 WebSocket client: sends frames verbatim and records what comes back. */
export interface RawSocket {
  ws: WebSocket;
  /** The `0{...}` open packet's body. */
  handshake: { sid: string; pingInterval: number; pingTimeout: number; maxPayload: number };
  /** Every frame received after the open packet, in order. */
  frames: Frame[];
  send(frame: string | Buffer): void;
  /** Resolves with the first frame (already received or next) matching `match`. */
  next(match: (frame: Frame) => boolean, timeoutMs?: number, what?: string): Promise<Frame>;
  /** Resolves when the server closed the connection (or at once if it already has). */
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
  close(): void;
}

/**
 * Opens a raw Engine.IO v4 WebSocket session (`transport=websocket`, no upgrade) and waits for the
 * open packet. Pings (`2`) are answered with pongs (`3`) unless `answerPings` is false.
 */
export async function openRawSocket(
  t: Teardown,
  baseUrl: string,
  options: RawOptions & { answerPings?: boolean } = {},
): Promise<RawSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket${options.query ?? ''}`;
  const ws = new WebSocket(url, { headers: headersOf(options) });
  t.teardown(() => ws.terminate());
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let open: ((body: string) => void) | undefined;
  const opened = new Promise<string>((resolve, reject) => {
    open = resolve;
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    }),
  );
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = isBinary ? `<binary ${data.length} bytes>` : data.toString();
    if (open !== undefined && frame.startsWith('0')) {
      open(frame.slice(1));
      open = undefined;
      return;
    }
    if (frame === '2' && options.answerPings !== false) ws.send('3');
    frames.push(frame);
    for (const wake of waiters) wake();
  });
  const handshake = JSON.parse(await withTimeout(opened, WAIT_MS, 'Engine.IO open packet')) as RawSocket['handshake'];
  return {
    ws,
    handshake,
    frames,
    send: (frame) => ws.send(frame),
    next(match, timeoutMs = WAIT_MS, what = 'a matching frame') {
      const seen = new Set<number>();
      return withTimeout(
        new Promise<Frame>((resolve, reject) => {
          const look = (): void => {
            for (let i = 0; i < frames.length; i++) {
              if (!seen.has(i) && match(frames[i] as Frame)) {
                waiters.delete(look);
                resolve(frames[i] as Frame);
                return;
              }
              seen.add(i);
            }
            if (ws.readyState === WebSocket.CLOSED) {
              waiters.delete(look);
              reject(new Error(`connection closed before ${what}; frames: ${frames.join(' | ').slice(0, 500)}`));
            }
          };
          waiters.add(look);
          look();
        }),
        timeoutMs,
        what,
      );
    },
    closed,
    isOpen: () => ws.readyState === WebSocket.OPEN,
    close: () => ws.close(),
  };
}

/** Sends `40` (plus `/nsp,` and an auth object when given) and waits for the CONNECT answer. */
export async function rawConnect(socket: RawSocket, nsp = '/', auth?: unknown): Promise<Frame> {
  const prefix = nsp === '/' ? '' : `${nsp},`;
  socket.send(`40${prefix}${auth === undefined ? '' : JSON.stringify(auth)}`);
  return socket.next(
    (f) => f.startsWith(`40${prefix}{`) || f.startsWith(`44${prefix}{`),
    WAIT_MS,
    `CONNECT answer ${nsp}`,
  );
}

/** Parses a `42[...]` event frame (default namespace) into [event, ...args], or undefined. */
export function parseEvent(frame: Frame): unknown[] | undefined {
  const match = /^42\d*(\[.*)$/s.exec(frame);
  return match === null ? undefined : (JSON.parse(match[1] as string) as unknown[]);
}

/** True for a `system:error` event frame with `code`. */
export function isSystemError(code: string): (frame: Frame) => boolean {
  return (frame) => {
    const event = parseEvent(frame);
    return event?.[0] === 'system:error' && (event[1] as { code?: string } | undefined)?.code === code;
  };
}

/** A raw Engine.IO v4 long-polling session. */
export interface RawPolling {
  sid: string;
  url: string;
  /** POSTs `body` (packets joined by RECORD_SEPARATOR); resolves with status and text. */
  post(body: string): Promise<{ status: number; text: string }>;
  /** One long-poll GET; resolves with status and the packets it carried. */
  get(timeoutMs?: number): Promise<{ status: number; packets: string[] }>;
}

/** Opens a raw long-polling session (the handshake GET) and returns its sid. */
export async function openRawPolling(baseUrl: string, options: RawOptions = {}): Promise<RawPolling> {
  const url = `${baseUrl}/socket.io/?EIO=4&transport=polling${options.query ?? ''}`;
  const headers = headersOf(options);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(WAIT_MS) });
  const text = await res.text();
  if (res.status !== 200 || !text.startsWith('0')) throw new Error(`polling handshake failed: ${res.status} ${text}`);
  const sid = (JSON.parse(text.slice(1)) as { sid: string }).sid;
  const session = `${url}&sid=${encodeURIComponent(sid)}`;
  return {
    sid,
    url: session,
    async post(body) {
      const r = await fetch(session, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
        body,
        signal: AbortSignal.timeout(WAIT_MS),
      });
      return { status: r.status, text: await r.text() };
    },
    async get(timeoutMs = WAIT_MS) {
      const r = await fetch(session, { headers, signal: AbortSignal.timeout(timeoutMs) });
      const body = await r.text();
      return { status: r.status, packets: body === '' ? [] : body.split(RECORD_SEPARATOR) };
    },
  };
}

/**
 * Long-polls until the session is over: a non-200 answer (sid unknown) or the close packet `1`.
 * Resolves with every packet received meanwhile; rejects if it is still open after `maxPolls`.
 */
export async function pollUntilClosed(polling: RawPolling, maxPolls = 5): Promise<string[]> {
  const packets: string[] = [];
  for (let i = 0; i < maxPolls; i++) {
    const res = await polling.get().catch(() => ({ status: 0, packets: [] as string[] }));
    packets.push(...res.packets);
    if (res.status !== 200 || res.packets.includes('1')) return packets;
  }
  throw new Error(`polling session still open after ${maxPolls} polls: ${packets.join('|').slice(0, 300)}`);
}

/** The outcome of a hand-written HTTP request: status line code (0 if none) and whether the server closed. */
export interface TrickleResult {
  status: number;
  /** Bytes of the body written before the server answered or closed. */
  written: number;
  response: string;
}

/**
 * Writes an HTTP request by hand over TCP: the head at once, then `body` in `chunkSize`-byte writes
 * `intervalMs` apart (Nagle off, so each write is its own segment), until the server answers and
 * closes or the body is all sent. For slow-body and many-chunk abuse.
 */
export function trickleRequest(
  port: number,
  head: string,
  body: string,
  options: { chunkSize: number; intervalMs: number; timeoutMs: number },
): Promise<TrickleResult> {
  return withTimeout(
    new Promise<TrickleResult>((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let written = 0;
      let response = '';
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        socket.destroy();
        const status = /^HTTP\/1\.1 (\d{3})/.exec(response);
        resolve({ status: status === null ? 0 : Number(status[1]), written, response });
      };
      const writeNext = (): void => {
        if (written >= body.length || socket.destroyed) return;
        const chunk = body.slice(written, written + options.chunkSize);
        written += chunk.length;
        socket.write(chunk);
        timer = setTimeout(writeNext, options.intervalMs);
      };
      socket.on('connect', () => {
        socket.write(head);
        writeNext();
      });
      socket.on('data', (data) => {
        response += data.toString();
      });
      socket.on('error', (err) => (response === '' ? reject(err) : finish()));
      socket.on('close', finish);
    }),
    options.timeoutMs,
    'trickled request',
  );
}

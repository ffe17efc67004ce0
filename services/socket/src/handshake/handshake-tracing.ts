import { ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import { errorCodeOf, markFailed, type Tracing } from '../core/tracing.js';
import type { GameSocket } from '../core/socket-types.js';
import type { ConnectStages, Middleware, RequestStage, RequestStages } from './pipeline.js';

// What a refusal before the session means when its message carries no code (`CODE: why` otherwise).
const REQUEST_STAGE_CODES: Record<keyof RequestStages, string> = {
  draining: 'UNAVAILABLE',
  rate: 'RATE_LIMITED',
  origin: 'FORBIDDEN',
  admission: 'CONNECTION_LIMIT',
};

/**
 * Stages 1-4 with a `handshake` span for each refused request (outcome `refused`, the stage, `error.type`). An
 * admitted request makes no span here: its CONNECT gets one (`traceConnectStages`).
 */
export function traceRequestStages(stages: RequestStages, tracing: Tracing, nodeId: string): RequestStages {
  const traced = (name: keyof RequestStages, stage: RequestStage): RequestStage => {
    return (req) => {
      const refusal = stage(req);
      if (refusal === undefined) return undefined;
      const span = tracing.tracer.startSpan(
        'handshake',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'gamesocket.node_id': nodeId,
            'gamesocket.handshake.stage': name,
            'gamesocket.handshake.outcome': 'refused',
          },
        },
        ROOT_CONTEXT,
      );
      markFailed(span, /^([A-Z_]+):/.exec(refusal)?.[1] ?? REQUEST_STAGE_CODES[name]);
      span.end();
      return refusal;
    };
  };
  return {
    draining: traced('draining', stages.draining),
    rate: traced('rate', stages.rate),
    origin: traced('origin', stages.origin),
    admission: traced('admission', stages.admission),
  };
}

/**
 * Stages 6-9 inside one `handshake` SERVER span per CONNECT, from the first middleware to the socket's acceptance
 * (outcome `connected`) or refusal (`refused`, `error.type` the code the client gets), with the identity it ended
 * with (`gamesocket.auth`, `gamesocket.user_id`) and whether the session was recovered. Two children: `handshake.auth`
 * (token verification, or the cached result) and `handshake.presence` (the presence registration script; signed-in
 * sockets only). No token, cookie or secret is ever an attribute.
 */
export function traceConnectStages(stages: ConnectStages, tracing: Tracing, nodeId: string): ConnectStages {
  const { tracer } = tracing;
  const spans = new WeakMap<GameSocket, Span>();

  const finish = (socket: GameSocket, err: Error | undefined): void => {
    const span = spans.get(socket);
    if (span === undefined) return;
    spans.delete(socket);
    const { auth, user } = socket.data;
    if (auth !== undefined) span.setAttribute('gamesocket.auth', auth);
    if (user != null) span.setAttribute('gamesocket.user_id', user.userId);
    span.setAttribute('gamesocket.handshake.outcome', err === undefined ? 'connected' : 'refused');
    if (err !== undefined) markFailed(span, errorCodeOf(err));
    span.end();
  };
  // A refusal at any stage ends the handshake span.
  const endsOnRefusal =
    (middleware: Middleware): Middleware =>
    (socket, next) =>
      middleware(socket, (err) => {
        if (err !== undefined) finish(socket, err);
        next(err);
      });
  const child = (name: string, middleware: Middleware, last: boolean): Middleware => {
    return (socket, next) => {
      const parent = spans.get(socket);
      // Anonymous sockets never reach the presence store: no span for a stage that does nothing.
      const skip = parent === undefined || (name === 'handshake.presence' && socket.data.user == null);
      const span = skip ? undefined : tracer.startSpan(name, {}, trace.setSpan(ROOT_CONTEXT, parent));
      return middleware(socket, (err) => {
        if (span !== undefined) {
          if (err !== undefined) markFailed(span, errorCodeOf(err));
          else if (name === 'handshake.auth') span.setAttribute('gamesocket.auth', socket.data.auth);
          span.end();
        }
        if (err !== undefined || last) finish(socket, err);
        next(err);
      });
    };
  };

  const backpressure = endsOnRefusal(stages.backpressure);
  return {
    ...stages,
    backpressure: (socket, next) => {
      spans.set(
        socket,
        tracer.startSpan(
          'handshake',
          {
            kind: SpanKind.SERVER,
            attributes: {
              'gamesocket.node_id': nodeId,
              'gamesocket.transport': socket.conn.transport.name,
              'gamesocket.recovered': socket.recovered,
            },
          },
          ROOT_CONTEXT,
        ),
      );
      return backpressure(socket, next);
    },
    oneSocket: { ...stages.oneSocket, enter: endsOnRefusal(stages.oneSocket.enter) },
    authenticate: child('handshake.auth', stages.authenticate, false),
    presence: child('handshake.presence', stages.presence, true),
  };
}

import type { IncomingHttpHeaders } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import type { Tracing } from '../core/tracing.js';
import type { GameServer } from '../core/socket-types.js';
import { broadcastEvent, type Broadcast } from '../delivery/broadcast.js';

/**
 * Publishes for `POST /v1/publish`: with tracing on, inside a `publish <event>` PRODUCER span that continues the
 * caller's trace when its request has a W3C `traceparent` header (and `tracestate`), and whose context goes to every
 * pod with the message; off, a plain broadcast.
 */
export function publishFromApi(
  io: GameServer,
  tracing: Tracing | undefined,
  headers: IncomingHttpHeaders,
  broadcast: Omit<Broadcast, 'traceContext'>,
): void {
  if (tracing === undefined) {
    broadcastEvent(io, broadcast);
    return;
  }
  const span = tracing.tracer.startSpan(
    `publish ${broadcast.event}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.operation.type': 'publish',
        'gamesocket.event': broadcast.event,
        'gamesocket.rooms': broadcast.to,
        'gamesocket.except': broadcast.except,
        'gamesocket.volatile': broadcast.volatile,
        'gamesocket.source': 'http',
      },
    },
    tracing.extract(headers),
  );
  try {
    broadcastEvent(io, { ...broadcast, traceContext: tracing.inject(span) });
  } finally {
    span.end();
  }
}

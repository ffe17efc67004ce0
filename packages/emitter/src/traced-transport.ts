import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { TRACE_CONTEXT_FLAG, type TraceContextCarrier } from '@gamesocket/protocol';
import type { EmitterMode } from './emitter.js';
import type { BroadcastFlags, ClusterTransport } from './transport.js';

/**
 * `transport` with one PRODUCER span per broadcast (`publish <event>`, a child of the caller's active span), whose
 * W3C trace context travels in the message's flags (`TRACE_CONTEXT_FLAG`) so the pods' delivery spans join the
 * trace. Without an OpenTelemetry SDK the span is a no-op and the propagator writes nothing: the message carries no
 * trace context. Joins, leaves and disconnects are not traced.
 */
export function tracedTransport(transport: ClusterTransport, tracer: Tracer, mode: EmitterMode): ClusterTransport {
  return {
    ...transport,
    broadcast: (packet, target, flags) => {
      const event = packet.data[0];
      const span = tracer.startSpan(`publish ${String(event)}`, { kind: SpanKind.PRODUCER });
      if (span.isRecording()) {
        span.setAttributes({
          'messaging.operation.type': 'publish',
          'gamesocket.event': String(event),
          'gamesocket.rooms': target.rooms,
          'gamesocket.except': target.except,
          'gamesocket.mode': mode,
          'gamesocket.volatile': flags.volatile === true,
        });
      }
      const carrier: TraceContextCarrier = {};
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      const traced: BroadcastFlags =
        Object.keys(carrier).length === 0 ? flags : { ...flags, [TRACE_CONTEXT_FLAG]: carrier };
      return transport.broadcast(packet, target, traced).then(
        () => span.end(),
        (err: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          span.setAttribute('error.type', (err as Error).name);
          span.end();
          throw err;
        },
      );
    },
  };
}

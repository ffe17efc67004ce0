import { SpanKind } from '@opentelemetry/api';
import { TRACE_CONTEXT_FLAG } from '@gamesocket/protocol';
import type { BroadcastObserver } from '../core/internals.js';
import type { Tracing } from '../core/tracing.js';

/**
 * A `deliver <event>` CONSUMER span for each broadcast that reaches this pod carrying a trace context (an emitter
 * or an HTTP publish that was traced), a child of the publisher's span: one trace from the backend to every pod.
 * It lasts while the pod writes the event to its sockets. Broadcasts without a trace context (the pod's own
 * presence diffs, a stock emitter) make no span.
 */
export function deliverySpans(tracing: Tracing, nodeId: string): BroadcastObserver {
  return (opts, data) => {
    const carrier = (opts.flags as Record<string, unknown> | undefined)?.[TRACE_CONTEXT_FLAG];
    if (carrier === undefined) return undefined;
    const event = typeof data?.[0] === 'string' ? data[0] : 'unknown';
    const span = tracing.tracer.startSpan(
      `deliver ${event}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.operation.type': 'process',
          'gamesocket.event': event,
          'gamesocket.rooms': [...opts.rooms],
          'gamesocket.node_id': nodeId,
        },
      },
      tracing.extract(carrier),
    );
    return (reached) => {
      span.setAttribute('gamesocket.sockets', reached);
      span.end();
    };
  };
}

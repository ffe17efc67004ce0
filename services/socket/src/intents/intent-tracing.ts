import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { intentDomain, intentStream } from '@gamesocket/protocol';
import { errorCodeOf, markFailed, type Tracing } from '../core/tracing.js';
import type { IntentWriter } from './intent-stream.js';

/**
 * `writer` with one `intent <event>` PRODUCER span per append: the stream (`gamesocket.intent.stream`), the entry id
 * Redis gave it (`gamesocket.intent.id`), the sender's user id; a refused append carries the code the client got.
 */
export function traceIntents(writer: IntentWriter, tracing: Tracing, nodeId: string): IntentWriter {
  return {
    async append(event, payload, sender) {
      const span = tracing.tracer.startSpan(
        `intent ${event}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.operation.type': 'send',
            'gamesocket.event': event,
            'gamesocket.intent.stream': intentStream(intentDomain(event)),
            'gamesocket.user_id': sender.userId,
            'gamesocket.node_id': nodeId,
          },
        },
        ROOT_CONTEXT,
      );
      try {
        const id = await writer.append(event, payload, sender);
        span.setAttribute('gamesocket.intent.id', id);
        return id;
      } catch (err) {
        markFailed(span, errorCodeOf(err));
        throw err;
      } finally {
        span.end();
      }
    },
  };
}

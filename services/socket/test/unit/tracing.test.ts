import t from 'tap';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startTracing, tracesUrl } from '../../src/core/tracing.js';

// Pure: the tracing seam alone, with an in-memory exporter; no socket, no Redis.

t.test('tracing is off without an endpoint or a provider', async (t) => {
  t.equal(await startTracing({ endpoint: undefined, serviceName: 'gamesocket', nodeId: 'pod' }), undefined);
});

t.test('spans go to <endpoint>/v1/traces, as the OTLP exporters derive it', async (t) => {
  t.equal(tracesUrl(new URL('http://collector:4318')), 'http://collector:4318/v1/traces');
  t.equal(tracesUrl(new URL('https://otel.example.com/otlp/')), 'https://otel.example.com/otlp/v1/traces');
  t.equal(tracesUrl(new URL('https://otel.example.com/otlp')), 'https://otel.example.com/otlp/v1/traces');
});

t.test('a W3C carrier round-trips; a malformed one is the root context', async (t) => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracing = (await startTracing({ endpoint: undefined, serviceName: 'gamesocket', nodeId: 'pod', provider }))!;
  const parent = tracing.tracer.startSpan('publish', { kind: SpanKind.PRODUCER });
  const carrier = tracing.inject(parent);
  t.match(carrier.traceparent, new RegExp(`^00-${parent.spanContext().traceId}-${parent.spanContext().spanId}-01$`));
  const child = tracing.tracer.startSpan('deliver', {}, tracing.extract(carrier));
  t.equal(child.spanContext().traceId, parent.spanContext().traceId, 'the child joins the trace');
  for (const bad of [undefined, null, 'x', { traceparent: 'garbage' }, { traceparent: 42 }]) {
    const orphan = tracing.tracer.startSpan('deliver', {}, tracing.extract(bad));
    t.not(orphan.spanContext().traceId, parent.spanContext().traceId, `a new trace for ${JSON.stringify(bad)}`);
    orphan.end();
  }
  child.end();
  parent.end();
  await tracing.shutdown();
  t.equal(exporter.getFinishedSpans().length, 2 + 5, 'the provider passed in was flushed, and still works');
});

import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanStatusCode,
  defaultTextMapGetter,
  diag,
  defaultTextMapSetter,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { TraceContextCarrier } from '@gamesocket/protocol';
import { ServiceError } from './errors.js';
import { limitLog } from './log-limiter.js';
import type { Logger } from './logger.js';

/**
 * The service's OpenTelemetry tracing while it is on. Off (no `OTEL_EXPORTER_OTLP_ENDPOINT`), there is no `Tracing`
 * at all: no SDK is loaded and no hook that would make spans is installed, so the hot paths pay nothing.
 */
export interface Tracing {
  readonly tracer: Tracer;
  /** The context a W3C carrier names (a message's `traceContext` flag, HTTP headers); the root one when none or malformed. */
  extract(carrier: unknown): Context;
  /** The W3C carrier (`traceparent`, `tracestate`) of `span`, to put in a message. */
  inject(span: Span): TraceContextCarrier;
  /** Exports the spans not sent yet, then stops the exporter (a provider passed in is only flushed). */
  shutdown(): Promise<void>;
}

/** A tracer provider, and what the SDK's providers add: flushing and shutting down. */
export type FlushableTracerProvider = TracerProvider & { forceFlush?(): Promise<void>; shutdown?(): Promise<void> };

/** Options of `startTracing`. */
export interface TracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. Undefined = off. */
  endpoint: URL | undefined;
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** `service.instance.id` of the spans: the pod's `NODE_ID`. */
  nodeId: string;
  /**
   * A provider of the caller's (tests, the bench): tracing is on with it whatever `endpoint` says. It stays the
   * caller's: `shutdown` only flushes it.
   */
  provider?: FlushableTracerProvider;
  /** Where the SDK's own errors go (a collector that cannot be reached), at most one line a minute. */
  log?: Logger;
}

/** Longest `shutdown` waits for the last export: a collector that does not answer must not hold up a drain. */
export const TRACING_FLUSH_MS = 3000;

/** The OTLP/HTTP traces URL under a base endpoint, as the OpenTelemetry exporters derive it. */
export function tracesUrl(endpoint: URL): string {
  const base = endpoint.href.endsWith('/') ? endpoint.href : `${endpoint.href}/`;
  return `${base}v1/traces`;
}

/**
 * Starts tracing when an endpoint or a provider is given, else resolves undefined without loading the SDK. The SDK
 * (`@opentelemetry/sdk-trace`, the OTLP/HTTP protobuf exporter, resources) is imported here, on demand.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (options.provider === undefined && options.endpoint === undefined) return undefined;
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const propagator: TextMapPropagator = new W3CTraceContextPropagator();
  const provider = options.provider ?? (await otlpProvider(options.endpoint!, options.serviceName, options.nodeId));
  const owned = options.provider === undefined;
  const diagnostics = owned && options.log !== undefined ? logDiagnostics(options.log) : undefined;
  return {
    tracer: provider.getTracer('@gamesocket/socket'),
    extract: (carrier) =>
      typeof carrier === 'object' && carrier !== null
        ? propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)
        : ROOT_CONTEXT,
    inject(span) {
      const carrier: TraceContextCarrier = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      return carrier;
    },
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACING_FLUSH_MS).unref()));
      await Promise.race([(owned ? provider.shutdown?.() : provider.forceFlush?.())?.catch(() => undefined), bound]);
      clearTimeout(timer);
      diagnostics?.();
    },
  };
}

async function otlpProvider(endpoint: URL, serviceName: string, nodeId: string): Promise<FlushableTracerProvider> {
  const [sdk, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, semconv] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  return new sdk.TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: serviceName, [semconv.ATTR_SERVICE_INSTANCE_ID]: nodeId }),
    ),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl(endpoint) }) })],
  });
}

/**
 * Sends the OpenTelemetry SDK's warnings and errors (failed exports) to `log`, bounded to one line a minute; returns
 * the function that writes what is pending and detaches it.
 */
function logDiagnostics(log: Logger): () => void {
  const lines = limitLog({
    intervalMs: 60_000,
    first: (detail) => log.warn({ detail }, 'OpenTelemetry SDK: spans may not reach the collector'),
    summary: (count, samples) => log.warn({ count, samples }, 'OpenTelemetry SDK: more errors'),
    maxDetailLength: 300,
  });
  const note = (message: string, ...args: unknown[]): void =>
    lines.note([message, ...args.map((arg) => (arg instanceof Error ? arg.message : String(arg)))].join(' '));
  const quiet = (): void => undefined;
  diag.setLogger({ error: note, warn: note, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  return () => {
    lines.flush();
    diag.disable();
  };
}

/** The stable code of a failure (`ServiceError`), else `INTERNAL`: what a span's `error.type` says. */
export function errorCodeOf(err: unknown): string {
  return err instanceof ServiceError ? err.code : 'INTERNAL';
}

/** Marks `span` failed with `code` (`error.type`), without the error's message (it may name a client's input). */
export function markFailed(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

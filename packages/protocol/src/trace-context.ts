/**
 * The broadcast flag that carries a publish's W3C trace context between processes (the emitter, the HTTP API, the
 * pods): `opts.flags.traceContext = { traceparent, tracestate? }` of a Socket.IO adapter message. Every Redis adapter
 * passes its message's flags through untouched, and Socket.IO ignores flags it does not know, so a pod or a stock
 * emitter that does not trace neither sends nor minds it. Absent when the publisher does not trace.
 */
export const TRACE_CONTEXT_FLAG = 'traceContext';

/** W3C Trace Context fields (`traceparent`, `tracestate`), lower-case, as in HTTP headers. */
export type TraceContextCarrier = Record<string, string>;

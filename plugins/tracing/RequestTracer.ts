import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import {
  errorMessage,
  gatewayVersion,
  outcomeClass,
  type Logger,
  type McpRequest,
  type RequestOutcome,
  type ServerStateChange,
} from "open-mcp-gateway";
import type { TracingSettings } from "./options.js";

const SPAN = Symbol("tracing.span");
type Carrier = Readonly<Record<string, unknown>>;
const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (typeof carrier[key] === "string" ? (carrier[key] as string) : undefined),
};

/** A backend start, kept until the requests that waited for it have ended. */
interface Start {
  readonly begin: number;
  end?: number;
  failed?: boolean;
}

/**
 * One SERVER span per MCP request (method, session, principal, transport, server, tool, outcome),
 * a child span for a backend start the request waited for, the W3C context taken from the client
 * (`params._meta.traceparent`, else the HTTP `traceparent` header) and handed to the backend in
 * `params._meta` (the remote runtime also sends it as headers). Its own provider and propagator, not
 * OpenTelemetry's globals: an application embedding the gateway keeps its own.
 */
export class RequestTracer {
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #propagator = new W3CTraceContextPropagator();
  /** The current or last start of each server (key: server, or server and session). */
  readonly #starts = new Map<string, Start>();

  constructor(
    settings: TracingSettings & { otlp_endpoint: string },
    private readonly logger: Logger,
  ) {
    const exporter = new OTLPTraceExporter({ url: settings.otlp_endpoint, headers: settings.headers });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": settings.service_name, "service.version": gatewayVersion() }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sample_ratio) }),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
    });
    this.#tracer = this.#provider.getTracer("open-mcp-gateway", gatewayVersion());
  }

  begin(request: McpRequest): void {
    if (request.state.has(SPAN)) return;
    request.state.set(SPAN, this.#start(request));
  }

  /** The backend sees this request's span as its parent, in `_meta` (and, over HTTP, in headers). */
  propagate(request: McpRequest): void {
    const span = request.state.get(SPAN) as Span | undefined;
    if (!span || request.server === undefined) return;
    const fields: Record<string, string> = {};
    this.#propagator.inject(trace.setSpan(ROOT_CONTEXT, span), fields, {
      set: (carrier, key, value) => void (carrier[key] = value),
    });
    const meta = request.params._meta as Record<string, unknown> | undefined;
    request.params = { ...request.params, _meta: { ...meta, ...fields } };
  }

  end(request: McpRequest, outcome: RequestOutcome): void {
    // A request refused before the stages (authentication) never began one.
    const span = (request.state.get(SPAN) as Span | undefined) ?? this.#start(request);
    const kind = outcomeClass(request, outcome);
    span.setAttributes({
      "mcpgw.outcome": kind,
      ...(request.server !== undefined && { "mcpgw.server": request.server }),
      ...(request.name !== undefined && { "mcpgw.backend_name": request.name }),
    });
    if (!outcome.ok) {
      span.setAttributes({ "rpc.jsonrpc.error_code": outcome.error.code, "mcpgw.stage": outcome.stage });
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
    } else if (kind === "tool_error") span.setStatus({ code: SpanStatusCode.ERROR, message: "tool error" });
    const endedAt = request.receivedAt + outcome.durationMs;
    this.#startSpan(request, span, endedAt);
    span.end(endedAt);
  }

  stateChanged(change: ServerStateChange): void {
    const key = change.session === undefined ? change.server : `${change.server}\u0000${change.session}`;
    // A session's own backend is gone for good once it stops: its entry goes with it.
    if (change.session !== undefined && change.to === "stopped") this.#starts.delete(key);
    else if (change.to === "starting") this.#starts.set(key, { begin: change.at.getTime() });
    else if (change.from === "starting") {
      const start = this.#starts.get(key);
      if (start) Object.assign(start, { end: change.at.getTime(), failed: change.to !== "running" });
    }
  }

  async shutdown(): Promise<void> {
    try {
      await this.#provider.shutdown();
    } catch (error) {
      this.logger.warn(`Exporting the last spans failed: ${errorMessage(error)}`);
    }
  }

  #start(request: McpRequest): Span {
    const name = request.exposedName ?? request.uri;
    return this.#tracer.startSpan(
      name === undefined ? request.method : `${request.method} ${name}`,
      {
        kind: SpanKind.SERVER,
        startTime: request.receivedAt,
        attributes: {
          "mcp.method.name": request.method,
          "mcpgw.principal": request.principal.id,
          "mcpgw.transport": request.transport,
          ...(request.session && { "mcp.session.id": request.session.id }),
          ...(name !== undefined && { "mcpgw.target": name }),
          ...(typeof request.id === "string" || typeof request.id === "number"
            ? { "jsonrpc.request.id": String(request.id) }
            : {}),
        },
      },
      this.#parent(request),
    );
  }

  /** The client's context: `_meta` of the message first (per request), then the HTTP headers. */
  #parent(request: McpRequest): Context {
    const meta = request.params._meta as Carrier | undefined;
    if (typeof meta?.traceparent === "string") return this.#propagator.extract(context.active(), meta, getter);
    if (request.traceContext) return this.#propagator.extract(context.active(), request.traceContext, getter);
    return ROOT_CONTEXT;
  }

  /** A backend start that ran while the request waited becomes a child span of it. */
  #startSpan(request: McpRequest, parent: Span, endedAt: number): void {
    if (request.server === undefined) return;
    const key =
      request.session !== undefined && this.#starts.has(`${request.server}\u0000${request.session.id}`)
        ? `${request.server}\u0000${request.session.id}`
        : request.server;
    const start = this.#starts.get(key);
    if (!start || start.end === undefined || start.end < request.receivedAt || start.begin > endedAt) return;
    const span = this.#tracer.startSpan(
      "mcpgw.backend.start",
      { kind: SpanKind.INTERNAL, startTime: start.begin, attributes: { "mcpgw.server": request.server } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    if (start.failed) span.setStatus({ code: SpanStatusCode.ERROR, message: "start failed" });
    span.end(start.end);
  }
}

import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ResultSchema,
  SetLevelRequestSchema,
  type ClientCapabilities,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type Notification,
  type Result,
  type ServerCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { AcquireOptions } from "../supervisor/Supervisor.js";
import { sharedJsonSchemaValidator } from "../protocol/jsonSchemaValidator.js";
import { isPlainRequest, type PlainRequest } from "../protocol/plainMessages.js";
import { methodNotFound, toWireError } from "../protocol/wireErrors.js";
import { LOG_LEVELS } from "./LogLevels.js";
import { ReturnedUris } from "./resourceUris.js";
import type { McpCore } from "./McpCore.js";
import type { RequestCarrier } from "./RequestPipeline.js";
import type { McpSession } from "./service.js";
import type { SessionSubscriptions } from "./Subscriptions.js";
import type { SessionInfo, TraceContext } from "./types.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Params = Record<string, unknown>;

/** How long a server→client request (sampling, elicitation: a human may be answering) may take. */
const CLIENT_REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * How long a result waits after the call's last progress notification went out. SDK clients (through
 * 1.32) drop a progress notification that arrives in the same read as the result (typescript-sdk#2580):
 * they dispatch notifications a microtask later than responses. Keeping the two apart costs a call
 * at most this long, and only when its backend sent progress right before answering.
 */
const PROGRESS_GAP_MS = 15;

async function progressGap(lastProgressAt: number): Promise<void> {
  const wait = lastProgressAt + PROGRESS_GAP_MS - Date.now();
  if (lastProgressAt > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * One client session (a Streamable HTTP session, an SSE connection, a stdio process): an SDK
 * low-level Server whose every request goes through the request pipeline, so results and errors
 * pass through as the backends sent them.
 */
export class FrontSession implements McpSession {
  readonly server: Server;
  readonly subscriptions: SessionSubscriptions = new Map();
  /** Aggregated sessions: resource URIs its servers returned that no list shows, so the client can read them. */
  readonly returnedUris?: ReturnedUris;
  /** Servers this session has sent requests to (where a shared backend's requests may be for it). */
  readonly attached = new Set<string>();
  /** The level this client set with logging/setLevel, if any. */
  logLevel?: string;
  /** Front request ids forwarded to each server and still in flight, most recent last. */
  readonly #inFlight = new Map<string, Array<string | number>>();
  readonly #logs: boolean;

  constructor(
    private readonly core: McpCore,
    readonly info: SessionInfo,
    serverInfo: { name: string; version: string },
    capabilities: ServerCapabilities,
    instructions: string | undefined,
  ) {
    if (info.server === undefined) this.returnedUris = new ReturnedUris();
    this.server = new Server(serverInfo, {
      capabilities,
      ...(instructions && { instructions }),
      jsonSchemaValidator: sharedJsonSchemaValidator,
      debouncedNotificationMethods: [
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/list_changed",
      ],
    });
    // SDK clients (through 1.32) ignore notifications/cancelled for request id 0 (typescript-sdk#2283), the
    // id of a Server's first request: the first backend request relayed here must be cancellable too.
    const ids = this.server as unknown as { _requestMessageId?: unknown };
    if (ids._requestMessageId === 0) ids._requestMessageId = 1;
    // A one-server session whose backend does not log leaves logging/setLevel to the backend's own answer.
    this.#logs = capabilities.logging !== undefined;
    this.server.fallbackRequestHandler = (request, extra) => this.#handle(request as JSONRPCRequest, extra as Extra);
    // The SDK's Server answers logging/setLevel itself when logging is declared; this one takes the pipeline too.
    if (this.#logs)
      this.server.setRequestHandler(SetLevelRequestSchema, (request, extra) =>
        this.#handle(request as unknown as JSONRPCRequest, extra as Extra),
      );
    this.server.fallbackNotificationHandler = async (notification) => {
      if (notification.method === "notifications/roots/list_changed") await this.#rootsChanged();
    };
  }

  get id(): string {
    return this.info.id;
  }

  async connect(transport: Transport): Promise<void> {
    const chained = transport.onmessage;
    await this.server.connect(transport);
    // The SDK's Protocol tells every inbound message's kind by trying its zod guards in turn: a request
    // fails the result and the error schema first, and a failed zod parse builds an error with a stack
    // trace (about 17 µs per call together). A request its schema accepts as is goes to the handler the
    // guards would pick, directly; anything else, and any transport with a handler of its own set
    // before (which the SDK calls first), takes the SDK's way.
    const protocol = this.server as unknown as {
      _onrequest?: (request: PlainRequest, extra?: MessageExtraInfo) => void;
    };
    const onrequest = protocol._onrequest?.bind(this.server);
    const dispatch = transport.onmessage;
    if (chained !== undefined || onrequest === undefined || dispatch === undefined) return;
    transport.onmessage = (message, extra) =>
      isPlainRequest(message) ? onrequest(message, extra) : dispatch(message, extra);
  }

  close(): Promise<void> {
    return this.core.closeSession(this);
  }

  /** Whether this session uses `server`'s backend: its one server, or one it has sent requests to. */
  uses(server: string): boolean {
    return this.info.server === server || (this.info.server === undefined && this.attached.has(server));
  }

  /** Whether `server`'s messages are for this session: its one server, or any its principal may use when aggregated. */
  sees(server: string): boolean {
    return (
      (this.info.server === undefined || this.info.server === server) && this.core.mayUse(this.info.principal, server)
    );
  }

  /** What the supervisor needs to give this session its backend (its own one for `isolation: session`). */
  acquireOptions(server: string): AcquireOptions {
    if (!this.core.isIsolated(server)) return { sessionId: this.id };
    return {
      sessionId: this.id,
      capabilities: mirrored(this.server.getClientCapabilities()),
      configure: this.core.configureFor(server, this.id),
      connected: (client, initialize) => this.core.logLevels.replay(server, this.id, client, initialize),
    };
  }

  /** The most recent front request in flight to `server`, so a backend's request can travel on its stream. */
  inFlightTo(server: string): string | number | undefined {
    return this.#inFlight.get(server)?.at(-1);
  }

  /** A backend's server→client request, asked of this session's client. */
  async ask(
    method: string,
    params: Params | undefined,
    relatedRequestId: string | number | undefined,
    signal: AbortSignal,
  ): Promise<Result> {
    try {
      return await this.server.request({ method, params } as ServerRequest, ResultSchema, {
        signal,
        relatedRequestId,
        timeout: CLIENT_REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      throw toWireError(error);
    }
  }

  /** A backend's log message, if this session's level lets it through; loggers are labelled `<server>/<logger>` when aggregated. */
  log(server: string, params: Params): void {
    const level = String(params.level);
    if (this.logLevel && LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.logLevel)) return;
    const logger = this.info.server === undefined ? [server, params.logger].filter(Boolean).join("/") : params.logger;
    this.notify(
      { method: "notifications/message", params: { ...params, ...(logger !== undefined && { logger }) } },
      server,
    );
  }

  /** Sends a notification, on the stream of a request in flight to `server` when there is one. */
  notify(notification: Notification, server?: string): void {
    const related = server === undefined ? undefined : this.inFlightTo(server);
    this.server
      .notification(
        notification as ServerNotification,
        related === undefined ? undefined : { relatedRequestId: related },
      )
      .catch(() => {
        // The client went away; its transport's close ends the session.
      });
  }

  /** Forwards one request to `server`, relaying progress and cancellation; the result is the backend's, untouched. */
  async forward(server: string, method: string, params: Params, extra: Extra): Promise<Result> {
    const { _meta, ...rest } = params as Params & { _meta?: Params };
    const { progressToken, ...meta } = _meta ?? {};
    const backendParams = Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
    let delivered: Promise<unknown> = Promise.resolve();
    let lastProgressAt = 0;
    const onProgress =
      progressToken === undefined
        ? undefined
        : (progress: Params) => {
            // Chained so they leave in order, and awaited so the last one goes out before the result.
            lastProgressAt = Date.now();
            delivered = delivered
              .then(() =>
                extra.sendNotification({
                  method: "notifications/progress",
                  params: { ...progress, progressToken },
                } as ServerNotification),
              )
              .catch(() => {});
          };
    this.attached.add(server);
    const leave = this.core.calls.enter(server, this.id);
    const list = this.#inFlight.get(server) ?? [];
    this.#inFlight.set(server, list);
    list.push(extra.requestId);
    try {
      const result = await this.core.supervisor.request(
        server,
        { method, params: backendParams },
        {
          signal: extra.signal,
          onProgress,
          // The client asked for progress: it hears why its call waits (a first `npx -y` start downloads for seconds).
          ...(onProgress && { onStarting: () => onProgress({ progress: 0, message: `Starting server '${server}'` }) }),
          ...this.acquireOptions(server),
        },
      );
      await delivered;
      await progressGap(lastProgressAt);
      return result;
    } catch (error) {
      this.core.attribution.failed(server, this, error);
      await delivered;
      throw error;
    } finally {
      list.splice(list.indexOf(extra.requestId), 1);
      leave();
    }
  }

  async #handle(request: JSONRPCRequest, extra: Extra): Promise<Result> {
    try {
      return await this.core.pipeline.handle(
        this.#carrier(extra),
        request.id,
        request.method,
        (request.params ?? {}) as Params,
      );
    } catch (error) {
      throw toWireError(error).redacted(this.core.redactor);
    }
  }

  #carrier(extra: Extra): RequestCarrier {
    const traceContext = traceHeaders(extra.requestInfo?.headers);
    return {
      ...(traceContext && { traceContext }),
      principal: this.info.principal,
      transport: this.info.transport,
      session: this.info,
      ...(this.info.server !== undefined && { server: this.info.server }),
      optionsFor: (server) => this.acquireOptions(server),
      send: (server, method, params) => this.forward(server, method, params, extra),
      answer: (request) =>
        request.method === "logging/setLevel" && this.#logs
          ? this.#setLevel(String(request.params.level), extra)
          : undefined,
      subscribe: (server, method, params, exposedUri) =>
        this.core.subscriptions.change(
          this,
          server,
          method,
          () => this.forward(server, method, params, extra),
          String(params.uri),
          exposedUri,
        ),
      ...(this.returnedUris && { returned: this.returnedUris }),
      ...(this.info.server === undefined && {
        vendor: (method: string, params: Params) => this.#vendor(method, params, extra),
      }),
    };
  }

  async #setLevel(level: string, extra: Extra): Promise<Result> {
    await this.core.logLevels.set(this, level, (server, wanted) =>
      this.forward(server, "logging/setLevel", { level: wanted }, extra),
    );
    return {};
  }

  /** A method the gateway does not know: the first running server that answers it (not "method not found") wins. */
  async #vendor(method: string, params: Params, extra: Extra): Promise<Result> {
    for (const server of this.core.servers(this.info.principal)) {
      if (this.core.supervisor.get(server).status !== "running") continue;
      try {
        return await this.forward(server, method, params, extra);
      } catch (error) {
        if (toWireError(error).code !== -32601) throw error;
      }
    }
    throw methodNotFound(method);
  }

  /** The client's roots changed: tell the running backends this session uses. */
  async #rootsChanged(): Promise<void> {
    const used = this.info.server !== undefined ? [this.info.server] : [...this.attached];
    for (const server of used) await this.core.rootsChanged(server, this.acquireOptions(server));
  }
}

function traceHeaders(headers: Record<string, string | string[] | undefined> | undefined): TraceContext | undefined {
  const traceparent = headers?.traceparent;
  if (typeof traceparent !== "string") return undefined;
  const tracestate = headers?.tracestate;
  return { traceparent, ...(typeof tracestate === "string" && { tracestate }) };
}

function mirrored(front: ClientCapabilities | undefined): ClientCapabilities {
  return {
    ...(front?.sampling && { sampling: front.sampling }),
    ...(front?.elicitation && { elicitation: front.elicitation }),
    ...(front?.roots && { roots: { listChanged: true } }),
  };
}

import type { Context, Middleware } from "koa";
import type Router from "@koa/router";
import type { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  isGatewayError,
  isPlainObject,
  sdkTypes,
  type FrontTransport,
  type Logger,
  type McpSession,
  type McpSessions,
  type Principal,
  type RpcErrorBody,
  type SessionFacts,
  type SessionRoute,
  type SessionRouting,
  type SessionStart,
} from "open-mcp-gateway";
import { readJsonBody, sendRpcError, type BodyLimits } from "./body.js";
import { sendError } from "./guards.js";
import { leanPost, requestOnStream } from "./LeanPost.js";
import { ModernLeg } from "./ModernLeg.js";
import type { PassThrough } from "./PassThrough.js";
import { admit, type HeldSession } from "./sessionCaps.js";
import { SessionEventStore } from "./SessionEventStore.js";
import { replayFacts, replayInitialize, sessionStart } from "./adoption.js";

/** The SDK's server transports (and the web-standard layer under them) load with the first session, not at boot. */
let loadedTransports:
  | Promise<
      typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js") &
        typeof import("@modelcontextprotocol/sdk/server/sse.js")
    >
  | undefined;
const serverTransports = () =>
  (loadedTransports ??= (async () => ({
    ...(await import("@modelcontextprotocol/sdk/server/streamableHttp.js")),
    ...(await import("@modelcontextprotocol/sdk/server/sse.js")),
  }))());

export interface McpEndpointLimits {
  readonly body: BodyLimits;
  readonly maxSessions: number;
  readonly maxSessionsPerPrincipal: number;
  readonly sessionIdleMs: number;
  readonly replayBufferBytes: number;
  /** The 2026-07-28 leg: how long a call waits for its client's answers (http-frontend input_wait_seconds). */
  readonly inputWaitSeconds: number;
}

/**
 * The `retry:` of a resumable stream's priming event: how long a client waits before it reconnects with
 * Last-Event-ID. The SDK client's own first delay, so SDK clients reconnect as they would anyway.
 */
const RECONNECT_RETRY_MS = 1000;

/**
 * How long a call whose POST stream was lost goes on at the backend waiting for its client to resume
 * the stream (Last-Event-ID) before it is cancelled there. Spans the SDK client's reconnect attempts.
 */
const RESUME_GRACE_MS = 5 * RECONNECT_RETRY_MS;

type RequestId = string | number;

/** Which servers a session sees: all of them, aggregated, or one with names unchanged. */
type SessionScope = { readonly server?: string };

interface OpenSession {
  readonly session: McpSession;
  readonly transport: StreamableHTTPServerTransport | SSEServerTransport;
  /** Streamable HTTP only: what the session sent, for clients resuming a stream. */
  readonly events?: SessionEventStore;
  lastSeen: number;
}

interface StreamableSession extends OpenSession {
  readonly transport: StreamableHTTPServerTransport;
  readonly events: SessionEventStore;
  /** HTTP exchanges (POSTs, GET streams) in progress: a session with none is idle. */
  exchanges: number;
  /** POSTs in progress (calls): a session with one is never expired, however long the call takes. */
  posts: number;
  /** Calls whose stream the client lost, by stream: cancelled at the backend unless the client resumes in time. */
  readonly orphans: Map<string, NodeJS.Timeout>;
  /** Resumes (GETs with Last-Event-ID) in progress per stream: a stream one of them carries is not lost. */
  readonly resumes: Map<string, number>;
}

/**
 * MCP over HTTP for every client session: Streamable HTTP on /mcp and /mcp/:id, legacy HTTP+SSE
 * on /sse, /sse/:id and /messages. Sessions are capped, expire when idle, and end on DELETE; a
 * Streamable HTTP stream can be resumed with Last-Event-ID from its session's bounded replay buffer.
 */
export class McpEndpoints {
  readonly modern: ModernLeg;
  readonly #streamable = new Map<string, StreamableSession>();
  readonly #sse = new Map<string, OpenSession>();
  /** Adoptions under way, by session id: a second request for the same session waits for the first. */
  readonly #adopting = new Map<string, Promise<boolean>>();
  #sweeper?: NodeJS.Timeout;

  constructor(
    private readonly sessions: McpSessions,
    private readonly passThrough: PassThrough,
    private readonly logger: Logger,
    private readonly limits: McpEndpointLimits,
    /** Where sessions this replica does not hold live (cluster mode); undefined: every session is local. */
    private readonly routing: () => SessionRouting | undefined = () => undefined,
  ) {
    this.modern = new ModernLeg(
      sessions,
      logger,
      async () => (await sdkTypes()).SUPPORTED_PROTOCOL_VERSIONS,
      limits.inputWaitSeconds,
    );
  }

  get sessionCount(): number {
    return this.#streamable.size + this.#sse.size;
  }

  /** The MCP routes, each behind `guard` (authentication and the `mcp` scope). */
  install(router: Router, guard: Middleware): void {
    router.post("/mcp", guard, (ctx) => this.#post(ctx, {}));
    router.post("/mcp/:id", guard, (ctx) => this.#post(ctx, { server: ctx.params.id }));
    for (const method of ["get", "delete"] as const) {
      router[method]("/mcp", guard, (ctx) => this.#existing(ctx, {}));
      router[method]("/mcp/:id", guard, (ctx) => this.#existing(ctx, { server: ctx.params.id }));
    }
    // Registered before GET, which koa-router also routes HEAD to: a HEAD must not open a stream it cannot answer on.
    router.head("/sse", guard, (ctx) => this.#probeSse(ctx, {}));
    router.head("/sse/:id", guard, (ctx) => this.#probeSse(ctx, { server: ctx.params.id }));
    router.get("/sse", guard, (ctx) => this.#openSse(ctx, {}));
    router.get("/sse/:id", guard, (ctx) => this.#openSse(ctx, { server: ctx.params.id }));
    router.post("/messages", guard, (ctx) => this.#sseMessage(ctx));
    router.post("/rpc", guard, async (ctx) => {
      const serverId = ctx.get("x-server-id");
      if (!serverId) return sendError(ctx, 400, "X-Server-ID header required");
      const body = await readJsonBody(ctx, this.limits.body);
      if (!body.ok) return sendError(ctx, body.status, body.message);
      if (!isPlainObject(body.value)) return sendError(ctx, 400, "The body must be one JSON-RPC message");
      return this.passThrough.handle(ctx, serverId, body.value);
    });
    this.#sweeper = setInterval(() => this.#expireIdle(), Math.min(this.limits.sessionIdleMs, 60_000));
    this.#sweeper.unref();
  }

  /** Shows the request pipeline's observers an MCP request that authentication refused. */
  reportRefused(ctx: Context, message: unknown, principal: Principal, error: RpcErrorBody): void {
    const serverId = isPlainObject(message) && ctx.path === "/mcp" ? message.server_id : undefined;
    const passThrough = ctx.path === "/rpc" || serverId !== undefined;
    const transport: FrontTransport = passThrough
      ? "pass-through"
      : ctx.path === "/messages"
        ? "sse"
        : "streamable-http";
    const server =
      ctx.path === "/rpc"
        ? ctx.get("x-server-id")
        : typeof serverId === "string"
          ? serverId
          : (ctx.params as { id?: string }).id;
    this.sessions.refused(message, principal, transport, error, server || undefined);
  }

  /** Closes every session (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const open of this.#streamable.values()) for (const timer of open.orphans.values()) clearTimeout(timer);
    const open = [...this.#streamable.values(), ...this.#sse.values()];
    await Promise.all([...open.map(({ session }) => session.close()), this.modern.close()]);
  }

  async #post(ctx: Context, scope: SessionScope): Promise<void> {
    const foreignId = ctx.get("mcp-session-id");
    if (foreignId && (await this.#elsewhere(ctx, foreignId, scope, "streamable-http"))) return;
    const body = await readJsonBody(ctx, this.limits.body);
    if (!body.ok) return sendRpcError(ctx, body.status, body.code, body.message);
    const message = body.value;
    if (scope.server === undefined && isPlainObject(message) && "server_id" in message)
      return this.passThrough.handle(ctx, message.server_id, withoutServerId(message));
    // A 2026-07-28 request (per-request `_meta` envelope): stateless, whatever session header it carries.
    if (await this.modern.claims(ctx, message)) {
      if (!this.#knownScope(ctx, scope)) return;
      return this.modern.serve(ctx, scope.server, message);
    }
    if (Array.isArray(message))
      return sendRpcError(ctx, 400, -32600, "Batch requests are not supported: send one JSON-RPC message per POST");
    if (!this.#knownScope(ctx, scope)) return;
    const sessionId = ctx.get("mcp-session-id");
    if (sessionId) {
      const open = this.#find(ctx, sessionId, scope);
      if (!open) return;
      await this.#handOver(ctx, open, message);
      const cancelled = cancelledRequest(message);
      if (cancelled !== undefined) this.#endCancelled(open, cancelled);
      return;
    }
    const { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS } = await sdkTypes();
    if (!isInitializeRequest(message)) {
      const id = isPlainObject(message) ? (message.id ?? null) : null;
      const modern = modernVersion(ctx, message, SUPPORTED_PROTOCOL_VERSIONS);
      if (modern !== undefined) {
        // A 2026-07-28-era client probing (server/discover, version in _meta): a fast, clear refusal, so a
        // dual-era client falls back to initialize; nothing is started and no session is made.
        return sendRpcError(
          ctx,
          400,
          -32600,
          `Unsupported protocol version ${modern}: this gateway speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}; start a session with initialize`,
          id,
          {
            supported: SUPPORTED_PROTOCOL_VERSIONS,
            requested: modern,
          },
        );
      }
      return sendRpcError(
        ctx,
        400,
        -32600,
        "Bad Request: no Mcp-Session-Id header; start a session with initialize",
        id,
      );
    }
    const wireId = this.#newSessionId(ctx, scope, "streamable-http", sessionStart(message));
    if (wireId === null || !this.#admit(ctx)) return;
    const session = await this.#open(ctx, scope, "streamable-http");
    const id = wireId ?? session.info.id;
    const open = await this.#serve(session, id);
    this.#share(open, id);
    try {
      await this.#handOver(ctx, open, message);
    } finally {
      // The transport refused the initialize (406 for a wrong Accept, 400 for a bad version, ...): no session came of it.
      if (open.transport.sessionId === undefined) await this.#end(this.#streamable, id);
    }
  }

  /** Serves `session` over a new Streamable HTTP transport whose session id will be `id`. */
  async #serve(session: McpSession, id: string): Promise<StreamableSession> {
    const { StreamableHTTPServerTransport } = await serverTransports();
    const events = new SessionEventStore(this.limits.replayBufferBytes);
    // With an event store the SDK numbers every SSE event, opens each stream with a priming event
    // (id, `retry:`, empty data) and replays a stream on GET with Last-Event-ID.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessionclosed: () => {
        this.routing()?.deleted?.(id);
        void this.#end(this.#streamable, id);
      },
      eventStore: events,
      retryInterval: RECONNECT_RETRY_MS,
    });
    events.requestOn = (stream) => requestOnStream(transport, stream);
    const open: StreamableSession = {
      session,
      transport,
      events,
      lastSeen: Date.now(),
      exchanges: 0,
      posts: 0,
      orphans: new Map(),
      resumes: new Map(),
    };
    this.#streamable.set(id, open);
    transport.onclose = () => void this.#end(this.#streamable, id);
    this.routing()?.serving?.(id, session.info);
    await session.connect(transport);
    return open;
  }

  /** Cluster mode: the session's stream events go to the routing too (other replicas resume them after adoption). */
  #share(open: StreamableSession, id: string): void {
    const routing = this.routing();
    if (routing?.eventStored) open.events.onStored = (event) => routing.eventStored!(id, event);
  }

  async #existing(ctx: Context, scope: SessionScope): Promise<void> {
    if (!this.#knownScope(ctx, scope)) return;
    const sessionId = ctx.get("mcp-session-id");
    if (!sessionId) return sendRpcError(ctx, 400, -32600, "Bad Request: Mcp-Session-Id header required");
    if (await this.#elsewhere(ctx, sessionId, scope, "streamable-http")) return;
    const open = this.#find(ctx, sessionId, scope);
    if (!open) return;
    const lastEventId = ctx.method === "GET" ? ctx.get("last-event-id") : "";
    if (lastEventId && open.events.endedWithoutAnswer(lastEventId)) {
      // Its request was cancelled, so the stream ended for good: nothing to replay or wait for (the SDK client stops on 204).
      ctx.status = 204;
      return;
    }
    if (lastEventId && !open.events.canResume(lastEventId)) {
      return sendRpcError(
        ctx,
        400,
        -32600,
        `Last-Event-ID '${lastEventId}' cannot be resumed: this session's replay buffer (http-frontend replay_buffer_bytes) holds nothing of its stream any more; send the request again`,
      );
    }
    await this.#handOver(ctx, open, undefined);
  }

  /**
   * Lets the SDK's transport answer. A request whose stream the client loses (the POST, or the GET
   * that resumed it, closed before the answer) is cancelled at the backend: at once when the client
   * cannot resume it, after RESUME_GRACE_MS unless it resumes when it can.
   */
  async #handOver(ctx: Context, open: StreamableSession, body: unknown): Promise<void> {
    open.lastSeen = Date.now();
    open.exchanges += 1;
    if (ctx.method === "POST") open.posts += 1;
    ctx.respond = false;
    const posted = requestIdOf(body);
    const resumed = ctx.method === "GET" ? open.events.requestOf(ctx.get("last-event-id")) : undefined;
    if (resumed) {
      clearTimeout(open.orphans.get(resumed.stream));
      open.resumes.set(resumed.stream, (open.resumes.get(resumed.stream) ?? 0) + 1);
    }
    ctx.res.once("close", () => {
      open.exchanges -= 1;
      if (ctx.method === "POST") open.posts -= 1;
      open.lastSeen = Date.now();
      if (resumed) {
        const left = open.resumes.get(resumed.stream)! - 1;
        if (left > 0) open.resumes.set(resumed.stream, left);
        else open.resumes.delete(resumed.stream);
      }
      if (ctx.res.writableFinished) return;
      if (posted !== undefined) this.#orphaned(open, posted, open.events.streamOf(posted));
      else if (resumed) this.#orphaned(open, resumed.request, resumed.stream);
    });
    const { SUPPORTED_PROTOCOL_VERSIONS } = await sdkTypes();
    if (
      ctx.method === "POST" &&
      leanPost(ctx.req, ctx.res, open.transport, open.events, body, SUPPORTED_PROTOCOL_VERSIONS)
    )
      return;
    await open.transport.handleRequest(ctx.req, ctx.res, body);
  }

  #orphaned(open: StreamableSession, request: RequestId, stream: string | undefined): void {
    const reason = "The client closed the HTTP request that carried it";
    if (stream === undefined) return this.#cancel(open, request, reason);
    // A resume took the stream over before this connection's close was noticed: the client is still there.
    if (open.resumes.has(stream)) return;
    clearTimeout(open.orphans.get(stream));
    const timer = setTimeout(() => {
      open.orphans.delete(stream);
      // Answered meanwhile (the answer waits in the replay buffer), or already cancelled: nothing to do.
      if (open.events.streamOf(request) !== stream) return;
      open.events.end(stream);
      this.#cancel(open, request, `${reason}, and did not resume it within ${RESUME_GRACE_MS / 1000} s`);
    }, RESUME_GRACE_MS);
    timer.unref();
    open.orphans.set(stream, timer);
  }

  /** Cancels a request of the session as its client would: the session's handler stops and the backend is told. */
  #cancel(open: StreamableSession, requestId: RequestId, reason: string): void {
    open.transport.onmessage?.({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason } });
  }

  /**
   * The client cancelled a request: it gets no answer (the spec forbids one), so its POST stream ends
   * here instead of staying open for an answer that never comes, and a resume of it has nothing to wait for.
   */
  #endCancelled(open: StreamableSession, requestId: RequestId): void {
    // First: a lean POST (LeanPost.ts) gets its stream as it closes.
    open.transport.closeSSEStream(requestId);
    const stream = open.events.streamOf(requestId);
    if (stream !== undefined) {
      clearTimeout(open.orphans.get(stream));
      open.orphans.delete(stream);
      open.events.end(stream);
    }
  }

  /** HEAD on an SSE endpoint: the headers a GET would get, and no session. */
  #probeSse(ctx: Context, scope: SessionScope): void {
    if (!this.#knownScope(ctx, scope)) return;
    ctx.status = 200;
    ctx.type = "text/event-stream";
    ctx.set("Cache-Control", "no-cache, no-transform");
  }

  async #openSse(ctx: Context, scope: SessionScope): Promise<void> {
    if (!this.#knownScope(ctx, scope)) return;
    const wireId = this.#newSessionId(ctx, scope, "sse");
    if (wireId === null || !this.#admit(ctx)) return;
    const session = await this.#open(ctx, scope, "sse");
    ctx.respond = false;
    const { SSEServerTransport } = await serverTransports();
    const transport = new SSEServerTransport("/messages", ctx.res);
    // SDK 1.x has no option for a legacy session's id; the endpoint it announces must carry the cluster's.
    if (wireId !== undefined) (transport as unknown as { _sessionId: string })._sessionId = wireId;
    // Load balancers that learn a session's replica from a response header (HAProxy's stick store-response) see it here too.
    ctx.res.setHeader("Mcp-Session-Id", transport.sessionId);
    const open: OpenSession = { session, transport, lastSeen: Date.now() };
    this.#sse.set(transport.sessionId, open);
    transport.onclose = () => void this.#end(this.#sse, transport.sessionId);
    ctx.req.on("close", () => void this.#end(this.#sse, transport.sessionId));
    await session.connect(transport);
  }

  /** Room for one more session of the caller's principal (see sessionCaps.ts); 503 to that principal when there is none. */
  #admit(ctx: Context): boolean {
    const held: HeldSession[] = [];
    for (const [id, open] of this.#streamable)
      held.push({ id, principal: open.session.info.principal.id, lastSeen: open.lastSeen, idle: open.exchanges === 0 });
    // An SSE session lives with its connection: never idle.
    for (const [id, open] of this.#sse)
      held.push({ id, principal: open.session.info.principal.id, lastSeen: open.lastSeen, idle: false });
    const admission = admit(held, principalOf(ctx).id, this.limits);
    if (!admission.admitted) {
      sendRpcError(ctx, 503, -32000, admission.message);
      return false;
    }
    if (admission.evict) {
      const { session, why } = admission.evict;
      this.logger.info(
        `Closing Streamable HTTP session ${session.id} of '${session.principal}', idle since ${new Date(session.lastSeen).toISOString()}: ${why}`,
      );
      void this.#end(this.#streamable, session.id);
    }
    return true;
  }

  /** The routing's id for a new session (undefined: the session's own); null when it refused the session (answered 503). */
  #newSessionId(
    ctx: Context,
    scope: SessionScope,
    transport: SessionRoute["transport"],
    start?: SessionStart,
  ): string | undefined | null {
    const routing = this.routing();
    if (!routing) return undefined;
    try {
      return routing.newSessionId({ principal: principalOf(ctx), server: scope.server, transport }, start);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      sendRpcError(ctx, 503, -32000, error.message);
      return null;
    }
  }

  /**
   * A session id this replica does not hold, in cluster mode: the request goes to the replica that
   * does, its body unread, or is answered 404 at once; true once answered. False when the session is
   * local (or no cluster), or was just adopted here: the request is then served as any local one.
   */
  async #elsewhere(
    ctx: Context,
    sessionId: string,
    scope: SessionScope,
    transport: SessionRoute["transport"],
  ): Promise<boolean> {
    const routing = this.routing();
    if (!routing) return false;
    // Being adopted here: served once it is (the replicas that lost the claim to it relay its requests here).
    const underway = this.#adopting.get(sessionId);
    if (underway && (await underway)) return false;
    if (this.#streamable.has(sessionId) || this.#sse.has(sessionId)) return false;
    // A 2026-07-28 request names its revision in the header and is stateless: a stale session id it
    // still carries is ignored, never routed to the replica that minted it.
    if (ctx.method === "POST" && (await this.modern.namesModernRevision(ctx))) return false;
    ctx.respond = false;
    const route = { principal: principalOf(ctx), server: scope.server, transport };
    const outcome = await routing.relay({ sessionId, route, req: ctx.req, res: ctx.res });
    if (outcome === "relayed") return true;
    ctx.respond = true;
    if (outcome !== "gone" && transport === "streamable-http") {
      let adopting = this.#adopting.get(sessionId);
      if (!adopting) {
        // Adopted here by another request while this one asked the routing.
        if (this.#streamable.has(sessionId)) return false;
        if (!this.#admit(ctx)) return true;
        adopting = this.#adopt(ctx, scope, sessionId, outcome.adopt, outcome.facts).finally(() =>
          this.#adopting.delete(sessionId),
        );
        this.#adopting.set(sessionId, adopting);
      }
      if (await adopting) return false;
    }
    sendRpcError(ctx, 404, -32001, "Session not found: it ended or never existed; send initialize again");
    return true;
  }

  /**
   * Serves a gone owner's session here under its id, with what the owner had shared of it (its
   * streams' events, subscriptions, log level); false (nothing kept) when the SDK would not take it.
   */
  async #adopt(
    ctx: Context,
    scope: SessionScope,
    sessionId: string,
    start: SessionStart,
    facts: SessionFacts | undefined,
  ): Promise<boolean> {
    const open = await this.#serve(await this.#open(ctx, scope, "streamable-http"), sessionId);
    // First, so the events of this replica's own replays are numbered after the owner's.
    if (facts) open.events.load(facts.events);
    if (await replayInitialize(open.transport, sessionId, start)) {
      const failed = facts ? await replayFacts(open.transport, sessionId, start, facts) : 0;
      this.#share(open, sessionId);
      this.logger.info(
        `Adopted session ${sessionId.slice(0, 16)}…: its owner is gone` +
          (facts
            ? `; ${facts.events.length} stream events, ${facts.subscriptions.length} subscriptions` +
              `${facts.logLevel ? `, log level ${facts.logLevel}` : ""} taken over` +
              (failed > 0 ? ` (${failed} of them refused here)` : "")
            : ""),
      );
      this.routing()?.adopted?.(sessionId);
      return true;
    }
    await this.#end(this.#streamable, sessionId);
    return false;
  }

  #open(ctx: Context, scope: SessionScope, transport: FrontTransport): Promise<McpSession> {
    return this.sessions.open({ ...scope, principal: principalOf(ctx), transport });
  }

  /** A legacy SSE session's message: every refusal a JSON-RPC error (the SDK's own are plain text), the answer on the stream. */
  async #sseMessage(ctx: Context): Promise<void> {
    const sessionId = String(ctx.query.sessionId ?? "");
    if (sessionId && (await this.#elsewhere(ctx, sessionId, {}, "sse"))) return;
    const open = this.#sse.get(sessionId);
    if (!open || !ownedBy(open, ctx))
      return sendRpcError(ctx, 404, -32001, `Session not found: ${sessionId || "(no sessionId)"}`);
    if (!ctx.is("application/json"))
      return sendRpcError(ctx, 415, -32600, "Unsupported Media Type: Content-Type must be application/json");
    const body = await readJsonBody(ctx, this.limits.body);
    if (!body.ok) return sendRpcError(ctx, body.status, body.code, body.message);
    if (Array.isArray(body.value))
      return sendRpcError(ctx, 400, -32600, "Batch requests are not supported: send one JSON-RPC message per POST");
    const { JSONRPCMessageSchema } = await sdkTypes();
    if (!JSONRPCMessageSchema.safeParse(body.value).success)
      return sendRpcError(
        ctx,
        400,
        -32600,
        'Invalid Request: the body must be one JSON-RPC 2.0 message (jsonrpc "2.0"; a method, with params an object if any; or a result or error for an id)',
        requestIdOf(body.value) ?? null,
      );
    open.lastSeen = Date.now();
    ctx.respond = false;
    await (open.transport as SSEServerTransport).handlePostMessage(ctx.req, ctx.res, body.value);
  }

  /** `/mcp/:id` for a server that is not configured, or that the caller's key may not use, is an MCP error, 404. */
  #knownScope(ctx: Context, scope: SessionScope): boolean {
    if (scope.server === undefined || this.sessions.servers(principalOf(ctx)).includes(scope.server)) return true;
    sendRpcError(ctx, 404, -32001, `Server '${scope.server}' not found`);
    return false;
  }

  /**
   * An unknown or ended session is 404, so the client starts a new one; so is a session of another
   * endpoint, and one another principal opened (its owner's session goes on undisturbed).
   */
  #find(ctx: Context, sessionId: string, scope: SessionScope): StreamableSession | undefined {
    const open = this.#streamable.get(sessionId);
    if (!open || open.session.info.server !== scope.server || !ownedBy(open, ctx)) {
      sendRpcError(ctx, 404, -32001, "Session not found: it ended or never existed; send initialize again");
      return undefined;
    }
    return open;
  }

  async #end(sessions: Map<string, OpenSession>, id: string): Promise<void> {
    const open = sessions.get(id);
    if (!open) return;
    sessions.delete(id);
    open.events?.clear();
    for (const timer of (open as Partial<StreamableSession>).orphans?.values() ?? []) clearTimeout(timer);
    await open.session.close();
  }

  /** Streamable HTTP sessions live across requests, so an abandoned one is closed after a quiet period; an SSE session ends with its connection. */
  #expireIdle(): void {
    const cutoff = Date.now() - this.limits.sessionIdleMs;
    for (const [id, open] of this.#streamable) {
      if (open.lastSeen >= cutoff || open.posts > 0) continue;
      this.logger.info(
        `Closing Streamable HTTP session ${id}: idle for ${Math.round(this.limits.sessionIdleMs / 1000)} s`,
      );
      void this.#end(this.#streamable, id);
    }
  }
}

const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

/** The protocol version a session-less request claims when it is not one this SDK speaks (in `_meta` or the header). */
function modernVersion(ctx: Context, message: unknown, supported: readonly string[]): string | undefined {
  const params = isPlainObject(message) && isPlainObject(message.params) ? message.params : undefined;
  const meta = params && isPlainObject(params._meta) ? params._meta : undefined;
  const claimed = [meta?.[META_PROTOCOL_VERSION], ctx.get("mcp-protocol-version")].find(
    (value) => typeof value === "string" && value !== "",
  ) as string | undefined;
  if (claimed !== undefined && !supported.includes(claimed)) return claimed;
  if (isPlainObject(message) && message.method === "server/discover" && claimed === undefined) return "2026-07-28";
  return undefined;
}

function principalOf(ctx: Context): Principal {
  return ctx.state.principal as Principal;
}

function ownedBy(open: OpenSession, ctx: Context): boolean {
  return open.session.info.principal.id === principalOf(ctx).id;
}

/** The id of a JSON-RPC request (a message with a method and an id). */
function requestIdOf(message: unknown): RequestId | undefined {
  if (!isPlainObject(message) || typeof message.method !== "string") return undefined;
  return typeof message.id === "string" || typeof message.id === "number" ? message.id : undefined;
}

/** The request a `notifications/cancelled` names. */
function cancelledRequest(message: unknown): RequestId | undefined {
  if (!isPlainObject(message) || message.method !== "notifications/cancelled" || "id" in message) return undefined;
  const requestId = isPlainObject(message.params) ? message.params.requestId : undefined;
  return typeof requestId === "string" || typeof requestId === "number" ? requestId : undefined;
}

function withoutServerId(message: Record<string, unknown>): Record<string, unknown> {
  const { server_id: _serverId, ...rest } = message;
  return rest;
}

import { randomBytes } from "node:crypto";
import type { Context } from "koa";
import type { McpHttpHandler, RequestStateCodec, ServerContext } from "@modelcontextprotocol/server";
import {
  isPlainObject,
  type Logger,
  type McpSessions,
  type ModernRequest,
  type ParkedState,
  type Principal,
} from "open-mcp-gateway";
import { sendRpcError } from "./body.js";
import { ListenBus, type Caller } from "./ListenBus.js";

/** The `_meta` key whose presence makes a request one of the 2026-07-28 era (or later). */
const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";

/** What each capability a front declares brings: the methods the modern leg forwards through the pipeline. */
const FORWARDED: Readonly<Record<string, readonly string[]>> = {
  tools: ["tools/list", "tools/call"],
  prompts: ["prompts/list", "prompts/get"],
  resources: ["resources/list", "resources/templates/list", "resources/read"],
  completions: ["completion/complete"],
};

interface Loaded {
  readonly v2: typeof import("@modelcontextprotocol/server");
  readonly handler: McpHttpHandler;
  readonly serve: ReturnType<typeof import("@modelcontextprotocol/node").toNodeHandler>;
  readonly codec: RequestStateCodec<ParkedState>;
  readonly bus: ListenBus;
}

/**
 * The 2026-07-28 leg of `/mcp` and `/mcp/:id` (docs/protocol-eras.md): requests carrying the
 * per-request `_meta` envelope are served statelessly by the v2 SDK's handler, whose per-request
 * server hands every method to the same request pipeline a legacy session uses. The SDK owns the
 * era's wire rules (envelope and header checks, removed methods, cache hints, error statuses).
 */
export class ModernLeg {
  #loaded?: Promise<Loaded>;

  constructor(
    private readonly sessions: McpSessions,
    private readonly logger: Logger,
    /** The revisions the legacy leg speaks: a header naming one of them is never modern. */
    private readonly legacyVersions: () => Promise<readonly string[]>,
    /** How long a parked call and its `requestState` stay good. */
    private readonly inputWaitSeconds: number,
  ) {}

  /**
   * Whether the SDK's classifier (`isLegacyRequest`) routes this POST to the modern leg. Only
   * requests carrying the envelope claim or a non-legacy MCP-Protocol-Version header can be
   * modern, so a legacy session's POST never pays for the classification.
   */
  async claims(ctx: Context, message: unknown): Promise<boolean> {
    if (!(await this.#mayBeModern(ctx, message))) return false;
    const { v2 } = await this.#load();
    return !(await v2.isLegacyRequest(webRequest(ctx), message));
  }

  /** Serves one modern request; `server` is the one server of `/mcp/:id`. */
  async serve(ctx: Context, server: string | undefined, message: unknown): Promise<void> {
    const { v2, serve, bus } = await this.#load();
    if (!v2.isJsonContentType(ctx.get("content-type")))
      return sendRpcError(ctx, 415, -32600, "Unsupported Media Type: Content-Type must be application/json");
    const caller: Caller = { principal: ctx.state.principal as Principal, ...(server !== undefined && { server }) };
    ctx.respond = false;
    // The SDK hands `auth` to the factory and the handlers as is: the gateway's principal rides on it.
    (ctx.req as { auth?: unknown }).auth = {
      token: "",
      clientId: caller.principal.id,
      scopes: [...caller.principal.scopes],
      extra: { caller },
    };
    await bus.serving.run({ caller, ...listenedResources(message) }, () =>
      serve(ctx.req as never, ctx.res as never, message),
    );
  }

  /** Loads the v2 SDK in the background, so the first modern request does not wait for it. */
  preload(): void {
    setImmediate(
      () =>
        void this.#load().catch((error: unknown) =>
          this.logger.warn(`Loading the 2026-07-28 leg failed: ${String(error)}`),
        ),
    );
  }

  async close(): Promise<void> {
    if (this.#loaded) await (await this.#loaded).handler.close();
  }

  async #mayBeModern(ctx: Context, message: unknown): Promise<boolean> {
    const params = isPlainObject(message) && isPlainObject(message.params) ? message.params : undefined;
    if (params && isPlainObject(params._meta) && PROTOCOL_VERSION_KEY in params._meta) return true;
    return this.namesModernRevision(ctx);
  }

  /** Whether the MCP-Protocol-Version header names a revision past the session-based ones (2026-07-28 on). */
  async namesModernRevision(ctx: Context): Promise<boolean> {
    const header = ctx.get("mcp-protocol-version").trim();
    return header !== "" && !(await this.legacyVersions()).includes(header);
  }

  /** The v2 SDK loads with the first request that may be modern, not at boot. */
  #load(): Promise<Loaded> {
    return (this.#loaded ??= (async () => {
      const v2 = await import("@modelcontextprotocol/server");
      const { toNodeHandler } = await import("@modelcontextprotocol/node");
      const codec = v2.createRequestStateCodec<ParkedState>({
        // Parked calls live in this process only, so a key of this process's own is all a state needs.
        key: randomBytes(32),
        ttlSeconds: this.inputWaitSeconds,
        // A state is good for one method on one target, for the principal it was given to.
        bind: (ctx) =>
          `${ctx.mcpReq.method}\u0000${ctx.http?.req?.headers.get("mcp-name") ?? ""}\u0000${callerOf(ctx).principal.id}\u0000${callerOf(ctx).server ?? ""}`,
      });
      const bus = new ListenBus(this.sessions, this.logger);
      const handler = v2.createMcpHandler(
        (context) => this.#server(v2, codec, context.authInfo?.extra?.caller as Caller),
        {
          legacy: "reject",
          bus,
          onerror: (error) => this.logger.debug(`2026-07-28 leg: ${error.message}`),
        },
      );
      return { v2, handler, serve: toNodeHandler(handler), codec, bus };
    })());
  }

  /** One request's server: what the front presents (from the capability cache) and its methods, each through the pipeline. */
  async #server(
    v2: typeof import("@modelcontextprotocol/server"),
    codec: RequestStateCodec<ParkedState>,
    caller: Caller,
  ) {
    const identity = await this.sessions.identity(caller.server);
    const server = new v2.Server(identity.serverInfo, {
      capabilities: identity.capabilities,
      ...(identity.instructions !== undefined && { instructions: identity.instructions }),
      requestState: { verify: (state, ctx) => codec.verify(state, ctx) },
    });
    for (const [capability, methods] of Object.entries(FORWARDED)) {
      if (identity.capabilities[capability] === undefined) continue;
      for (const method of methods)
        server.setRequestHandler(
          method as "tools/call",
          (request, ctx) => this.#forward(codec, caller, request as { params?: Record<string, unknown> }, ctx) as never,
        );
    }
    return server;
  }

  async #forward(
    codec: RequestStateCodec<ParkedState>,
    caller: Caller,
    request: { params?: Record<string, unknown> },
    ctx: ServerContext,
  ): Promise<Record<string, unknown>> {
    const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
    const logLevel = envelope["io.modelcontextprotocol/logLevel"];
    const state = ctx.mcpReq.requestState<ParkedState>();
    let resume: ModernRequest["resume"];
    const answers = ctx.mcpReq.inputResponses;
    if (state !== undefined) {
      const parked = isPlainObject(state) ? this.sessions.parkedCall(state, caller.principal) : undefined;
      // Verified but no longer waiting (answered, expired, or the gateway restarted): the state is stale.
      if (!parked)
        throw Object.assign(new Error("Invalid or expired requestState"), {
          code: -32602,
          data: { reason: "invalid_request_state" },
        });
      resume = { parked, inputResponses: ctx.mcpReq.inputResponses ?? {} };
    }
    return this.sessions.modern(
      {
        principal: caller.principal,
        ...(caller.server !== undefined && { server: caller.server }),
        clientCapabilities: (envelope["io.modelcontextprotocol/clientCapabilities"] ?? {}) as Record<string, unknown>,
        ...(typeof logLevel === "string" && { logLevel }),
        signal: ctx.mcpReq.signal,
        inputWaitMs: this.inputWaitSeconds * 1000,
        notify: (notification) => ctx.mcpReq.notify(notification as never),
        ...(resume ? { resume } : answers && { answers }),
        seal: (parked) => codec.mint(parked, ctx),
      },
      ctx.mcpReq.id,
      ctx.mcpReq.method,
      request.params ?? {},
    );
  }
}

function callerOf(ctx: ServerContext): Caller {
  return ctx.http?.authInfo?.extra?.caller as Caller;
}

/** The request as the SDK's classifier reads it: method and headers (the body is passed parsed). */
function webRequest(ctx: Context): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(ctx.req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  return new Request(`http://${ctx.host || "localhost"}${ctx.url}`, { method: ctx.method, headers });
}

/** The resources a subscriptions/listen request asks to hear about. */
function listenedResources(message: unknown): { resourceSubscriptions?: string[] } {
  if (!isPlainObject(message) || message.method !== "subscriptions/listen" || !isPlainObject(message.params)) return {};
  const wanted = isPlainObject(message.params.notifications)
    ? message.params.notifications.resourceSubscriptions
    : undefined;
  return Array.isArray(wanted)
    ? { resourceSubscriptions: wanted.filter((uri): uri is string => typeof uri === "string") }
    : {};
}

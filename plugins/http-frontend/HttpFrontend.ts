import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa, { type Context, type Middleware } from "koa";
import Router from "@koa/router";
import {
  GatewayError,
  hasScope,
  isGatewayError,
  Scope,
  type Authenticators,
  type Logger,
  type McpSessions,
  type Principal,
  type Redactor,
  type SessionRouting,
} from "open-mcp-gateway";
import { readJsonBody } from "./body.js";
import { corsHeaders, hostOriginGuard, sendError, sendNotFound } from "./guards.js";
import { createHttpServer, methodNotAllowed } from "./httpServer.js";
import { McpEndpoints } from "./McpEndpoints.js";
import { type HttpFrontendSettings, type ListenAddress } from "./options.js";
import { httpStatusOf, PassThrough } from "./PassThrough.js";
import { redactAnswers } from "./redactAnswers.js";
import type { RouteTable } from "./RouteTable.js";

/**
 * What a 401 carries so HTTP clients know which credentials to send: the scheme of `Authorization:
 * Bearer <key>`, with no OAuth metadata to discover (those paths answer 404 saying an API key is needed).
 */
const WWW_AUTHENTICATE = 'Bearer realm="mcpgw"';

/** Who a refused request is reported as: its credentials were not accepted, so it has no name. */
const UNAUTHENTICATED: Principal = Object.freeze({ id: "unauthenticated", scopes: Object.freeze([]) });

export interface HttpFrontendServices {
  readonly sessions: McpSessions;
  readonly authenticators: Authenticators;
  readonly routes: RouteTable;
  readonly redactor: Redactor;
  /** The cluster's session routing, if a plugin provides it (asked when the first request needs it). */
  readonly sessionRouting?: () => SessionRouting | undefined;
  /** Whether the gateway began to stop: /ready answers 503 from that moment, before any plugin's drain step. */
  readonly stopping?: () => boolean;
}

/** The koa application and its socket: the REST API of the original gateway, plugins' routes, and MCP over HTTP. */
export class HttpFrontend {
  readonly app = new Koa();
  readonly router = new Router();
  readonly mcp: McpEndpoints;
  readonly #authenticators: Authenticators;
  readonly #routes: RouteTable;
  readonly #clustered: () => boolean;
  #server?: Server;
  #closed?: Promise<void>;
  #draining = false;

  constructor(
    private readonly logger: Logger,
    private readonly listenAddr: ListenAddress,
    web: {
      readonly allowedHosts: readonly string[];
      readonly cors: { readonly enabled: boolean; readonly origins: readonly string[] };
    },
    private readonly settings: HttpFrontendSettings,
    services: HttpFrontendServices,
  ) {
    this.#authenticators = services.authenticators;
    this.#clustered = () => services.sessionRouting?.() !== undefined;
    const stopping = services.stopping ?? (() => false);
    const passThrough = new PassThrough(services.sessions);
    this.mcp = new McpEndpoints(
      services.sessions,
      passThrough,
      logger,
      {
        body: settings,
        maxSessions: settings.max_sessions,
        maxSessionsPerPrincipal: settings.max_sessions_per_principal,
        sessionIdleMs: settings.session_idle_seconds * 1000,
        replayBufferBytes: settings.replay_buffer_bytes,
        inputWaitSeconds: settings.input_wait_seconds,
      },
      services.sessionRouting,
    );
    this.app.proxy = false;
    this.app.silent = true;
    this.app.on("error", (error: NodeJS.ErrnoException) => {
      // A client that hangs up mid-answer (`claude mcp get` does, every time) is routine, not a failure.
      if (isDisconnect(error)) this.logger.debug({ code: error.code }, `Client disconnected: ${error.message}`);
      else this.logger.error({ err: error }, `HTTP request failed: ${error.message}`);
    });
    this.app.use(redactAnswers(services.redactor));
    this.app.use(
      hostOriginGuard({
        boundHost: listenAddr.host,
        allowedHosts: web.allowedHosts,
        origins: web.cors.enabled ? web.cors.origins : [],
        keyRequired: () => this.#authenticators.enabled,
      }),
    );
    if (web.cors.enabled) this.app.use(corsHeaders());
    this.router.get("/health", (ctx) => {
      ctx.body = { status: "ok" };
    });
    this.router.get("/ready", (ctx) => {
      if (this.#draining || stopping()) return sendError(ctx, 503, "The gateway is shutting down");
      ctx.body = { status: "ready" };
    });
    this.#routes = services.routes;
    this.mcp.install(this.router, this.#guard(Scope.MCP));
    this.app.use(this.router.routes());
    this.app.use(methodNotAllowed);
    this.app.use(this.router.allowedMethods());
    this.app.use((ctx) => sendNotFound(ctx, this.#authenticators.enabled));
  }

  /** The bound address (port filled in when 0 was asked for). */
  get address(): ListenAddress | undefined {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  async listen(): Promise<ListenAddress> {
    // A non-loopback address without a key never gets here: validation refuses it (exposureProblem).
    const { host, port } = this.listenAddr;
    // Plugins' routes go in last, so a plugin applied after this one can still add them in configLoaded or beforeStart.
    this.#routes.install(this.router, (scope) => this.#guard(scope), this.settings);
    const server = createHttpServer(this.settings, this.app.callback());
    this.#server = server;
    server.listen({ host, port });
    try {
      // events.once rejects when the server emits "error" first (EADDRINUSE, EACCES).
      await once(server, "listening");
    } catch (error) {
      throw listenError(error as NodeJS.ErrnoException, host, port);
    }
    const bound = this.address!;
    this.logger.info(`Listening on http://${bound.host.includes(":") ? `[${bound.host}]` : bound.host}:${bound.port}`);
    // Off the boot path, but before a dual-era client's first probe would wait on it (about a second).
    this.mcp.modern.preload();
    return bound;
  }

  /**
   * Shutdown, first step: no new connections; open ones stay so answers to calls in flight still reach
   * their clients. A cluster replica keeps listening until close(): the follow-up requests of its
   * calls in flight (a cancellation, an elicitation's answer) come relayed by peers, on new connections.
   */
  stopAccepting(): void {
    this.#draining = true;
    if (!this.#clustered()) this.#closeListener();
  }

  #closeListener(): void {
    const server = this.#server;
    if (!server?.listening) return;
    this.#closed = once(server, "close").then(() => undefined);
    server.close();
    server.closeIdleConnections();
  }

  /** Shutdown, last step (after the supervisor drained): ends every MCP session and closes what is left open. */
  async close(): Promise<void> {
    this.#draining = true;
    this.#closeListener();
    if (!this.#closed) return;
    await this.mcp.close();
    this.#server!.closeAllConnections();
    await this.#closed;
  }

  /**
   * Authenticates the caller and checks `scope` (`public`: nobody is asked; `any`: any accepted
   * key). A refused MCP request is still shown to the request pipeline's observers.
   */
  #guard(scope: string): Middleware {
    return async (ctx, next) => {
      if (scope === "public") return next();
      let principal: Principal;
      try {
        principal = await this.#authenticators.authenticate({
          transport: "http",
          path: ctx.path,
          method: ctx.method,
          headers: ctx.headers,
          remoteAddress: ctx.socket.remoteAddress,
        });
      } catch (error) {
        if (!isGatewayError(error, "MCPGW_ERR_UNAUTHORIZED") && !isGatewayError(error, "MCPGW_ERR_FORBIDDEN"))
          throw error;
        return this.#refuse(ctx, scope, UNAUTHENTICATED, ...httpStatusOf(error));
      }
      if (scope !== "any" && !hasScope(principal, scope)) {
        return this.#refuse(ctx, scope, principal, 403, `API key '${principal.id}' lacks the '${scope}' scope`);
      }
      ctx.state.principal = principal;
      return next();
    };
  }

  async #refuse(ctx: Context, scope: string, principal: Principal, status: number, message: string): Promise<void> {
    if (scope === Scope.MCP && ctx.method === "POST") {
      const body = await readJsonBody(ctx, this.settings);
      if (body.ok)
        this.mcp.reportRefused(ctx, body.value, principal, { code: -32600, message, data: { http_status: status } });
    }
    if (status === 401) ctx.set("WWW-Authenticate", WWW_AUTHENTICATE);
    sendError(ctx, status, message);
  }
}

const DISCONNECTS = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
]);

function isDisconnect(error: NodeJS.ErrnoException): boolean {
  return DISCONNECTS.has(error.code ?? "") || error.message === "aborted";
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): GatewayError {
  const hint =
    error.code === "EADDRINUSE" ? "another process uses it; pick another port with --listen-addr" : error.message;
  return new GatewayError(
    "MCPGW_ERR_LISTEN",
    `Cannot listen on ${host}:${port}: ${hint}`,
    { plugin: "http-frontend", key: "listen_addr" },
    { cause: error },
  );
}

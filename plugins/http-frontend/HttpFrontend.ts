import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import Router from "@koa/router";
import { coreTokens } from "../../src/di/tokens.js";
import { GatewayError, isGatewayError } from "../../src/kernel/errors.js";
import { isTapped } from "../../src/kernel/hooks.js";
import type { Kernel } from "../../src/kernel/Kernel.js";
import type { Logger } from "../../src/kernel/logger.js";
import { relayOf } from "../../src/mcp/Relay.js";
import { gatewayVersion } from "../../src/version.js";
import { corsHeaders, hostOriginGuard, sendError } from "./guards.js";
import { McpEndpoints } from "./McpEndpoints.js";
import { isLoopbackHost, type HttpFrontendSettings, type ListenAddress } from "./options.js";
import { PassThrough } from "./PassThrough.js";
import { RestApi } from "./RestApi.js";

/** Paths that never need a key. */
const OPEN_PATHS = new Set(["/health"]);

/** The koa application and its socket: the REST API of the original gateway and MCP over HTTP. */
export class HttpFrontend {
  readonly app = new Koa();
  readonly router = new Router();
  readonly mcp: McpEndpoints;
  #server?: Server;
  #closed?: Promise<void>;

  constructor(
    private readonly kernel: Kernel,
    private readonly logger: Logger,
    private readonly listenAddr: ListenAddress,
    cors: { readonly enabled: boolean; readonly origins: readonly string[] },
    settings: HttpFrontendSettings,
  ) {
    const supervisor = kernel.container.resolve(coreTokens.supervisor);
    const relay = relayOf(kernel);
    const passThrough = new PassThrough(supervisor, relay);
    this.mcp = new McpEndpoints(relay, passThrough, logger, {
      maxBodyBytes: settings.max_body_bytes,
      maxSessions: settings.max_sessions,
      sessionIdleMs: settings.session_idle_seconds * 1000,
    }, gatewayVersion());
    this.app.proxy = false;
    this.app.silent = true;
    this.app.on("error", (error: Error) => this.logger.error({ err: error }, `HTTP request failed: ${error.message}`));
    this.app.use(hostOriginGuard(listenAddr.host, cors.enabled ? cors.origins : []));
    if (cors.enabled) this.app.use(corsHeaders());
    this.app.use((ctx, next) => this.#authenticate(ctx, next));
    this.router.get("/health", (ctx) => {
      ctx.body = { status: "ok" };
    });
    new RestApi(kernel, supervisor, passThrough, settings.max_body_bytes).install(this.router);
    this.mcp.install(this.router);
    this.app.use(this.router.routes());
    this.app.use(this.router.allowedMethods());
    this.app.use((ctx) => sendError(ctx, 404, `No route for ${ctx.method} ${ctx.path}`));
  }

  /** The bound address (port filled in when 0 was asked for). */
  get address(): ListenAddress | undefined {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  async listen(): Promise<ListenAddress> {
    const { host, port } = this.listenAddr;
    if (!isLoopbackHost(host) && !isTapped(this.kernel.hooks.authenticate)) {
      throw new GatewayError(
        "MCPGW_ERR_LISTEN",
        `listen_addr ${host}:${port} is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1`,
        { plugin: "http-frontend", key: "listen_addr" },
      );
    }
    const server = this.app.listen({ host, port });
    this.#server = server;
    try {
      // events.once rejects when the server emits "error" first (EADDRINUSE, EACCES).
      await once(server, "listening");
    } catch (error) {
      throw listenError(error as NodeJS.ErrnoException, host, port);
    }
    const bound = this.address!;
    this.logger.info(`Listening on http://${bound.host.includes(":") ? `[${bound.host}]` : bound.host}:${bound.port}`);
    return bound;
  }

  /** Shutdown, first step: no new connections; open ones stay so answers to calls in flight still reach their clients. */
  stopAccepting(): void {
    const server = this.#server;
    if (!server?.listening) return;
    this.#closed = once(server, "close").then(() => undefined);
    server.close();
    server.closeIdleConnections();
  }

  /** Shutdown, last step (after the supervisor drained): ends every MCP session and closes what is left open. */
  async close(): Promise<void> {
    this.stopAccepting();
    if (!this.#closed) return;
    await this.mcp.close();
    this.#server!.closeAllConnections();
    await this.#closed;
  }

  async #authenticate(ctx: Koa.Context, next: Koa.Next): Promise<unknown> {
    if (ctx.method === "OPTIONS" || OPEN_PATHS.has(ctx.path) || !isTapped(this.kernel.hooks.authenticate)) return next();
    try {
      ctx.state.principal = await this.kernel.hooks.authenticate.promise({
        transport: "http",
        path: ctx.path,
        method: ctx.method,
        headers: ctx.headers,
        remoteAddress: ctx.socket.remoteAddress,
      });
    } catch (error) {
      if (isGatewayError(error, "MCPGW_ERR_UNAUTHORIZED")) return sendError(ctx, 401, error.message);
      if (isGatewayError(error, "MCPGW_ERR_FORBIDDEN")) return sendError(ctx, 403, error.message);
      throw error;
    }
    return next();
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): GatewayError {
  const hint = error.code === "EADDRINUSE" ? "another process uses it; pick another port with --listen-addr" : error.message;
  return new GatewayError("MCPGW_ERR_LISTEN", `Cannot listen on ${host}:${port}: ${hint}`, { plugin: "http-frontend", key: "listen_addr" }, { cause: error });
}

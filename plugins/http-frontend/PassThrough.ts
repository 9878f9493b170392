import type { Context } from "koa";
import type { Supervisor } from "../../src/supervisor/Supervisor.js";
import { GatewayError } from "../../src/kernel/errors.js";
import type { Relay } from "../../src/mcp/Relay.js";
import { toWireError } from "../../src/mcp/wireErrors.js";
import { sendError } from "./guards.js";

/**
 * The original gateway's routes: `POST /mcp` with `server_id` in the body and `POST /rpc` with
 * `X-Server-ID`. The message goes to that server as is; its JSON-RPC reply comes back as is
 * (errors included), with the original's HTTP statuses for gateway-side failures.
 */
export class PassThrough {
  /** Pass-through calls count as one more client on a shared backend (one that cannot be asked anything). */
  readonly #caller = { id: "\u0000pass-through" };

  constructor(
    private readonly supervisor: Supervisor,
    private readonly relay: Relay,
  ) {}

  async handle(ctx: Context, serverId: unknown, message: Record<string, unknown>): Promise<void> {
    if (typeof serverId !== "string" || serverId === "") return sendError(ctx, 400, "server_id required: the id of the server to send this message to");
    if (!this.supervisor.ids().includes(serverId)) return sendError(ctx, 404, `Server '${serverId}' not found`);
    if (message.jsonrpc !== "2.0" || typeof message.method !== "string") return sendError(ctx, 400, "The body must be a JSON-RPC 2.0 request or notification with a method");
    const { id, method } = message;
    const params = (message.params ?? undefined) as Record<string, unknown> | undefined;
    try {
      if (id === undefined || id === null) {
        await this.#notify(serverId, method, params);
        ctx.status = 202;
        ctx.body = ""; // empty, not koa's default "Accepted"
        return;
      }
      // The gateway did the handshake itself; a client's initialize gets the backend's answer to it.
      const result = method === "initialize" ? (await this.supervisor.acquire(serverId)).initializeResult : await this.#request(serverId, method, params);
      ctx.body = { jsonrpc: "2.0", id, result };
    } catch (error) {
      if (error instanceof GatewayError) return sendError(ctx, ...httpStatusOf(error));
      const wire = toWireError(error);
      ctx.body = { jsonrpc: "2.0", id, error: { code: wire.code, message: wire.message, ...(wire.data !== undefined && { data: wire.data }) } };
    }
  }

  async #request(serverId: string, method: string, params: Record<string, unknown> | undefined): Promise<unknown> {
    const leave = await this.relay.enter(serverId, this.#caller);
    try {
      return await this.supervisor.request(serverId, { method, ...(params && { params }) });
    } finally {
      leave();
    }
  }

  async #notify(serverId: string, method: string, params: Record<string, unknown> | undefined): Promise<void> {
    if (method === "notifications/initialized") return;
    const instance = await this.supervisor.acquire(serverId);
    await instance.client?.notification({ method, ...(params && { params }) });
  }
}

/** The original's statuses: unknown server 404, start or backend failure 502, timeout 504. */
export function httpStatusOf(error: GatewayError): [number, string] {
  switch (error.code) {
    case "MCPGW_ERR_SERVER_NOT_FOUND":
      return [404, error.message];
    case "MCPGW_ERR_SERVER_START":
    case "MCPGW_ERR_SERVER_BACKOFF":
    case "MCPGW_ERR_RUNTIME_UNAVAILABLE":
      return [502, `Failed to start server: ${error.message.replace(/^Failed to start server '[^']*': /, "")}`];
    case "MCPGW_ERR_SERVER_CRASHED":
    case "MCPGW_ERR_SERVER_STOPPED":
      return [502, error.message];
    case "MCPGW_ERR_REQUEST_TIMEOUT":
      return [504, error.message];
    case "MCPGW_ERR_SHUTTING_DOWN":
      return [503, error.message];
    default:
      return [500, error.message];
  }
}

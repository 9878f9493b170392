import type { Context } from "koa";
import { GatewayError, sdkTypes, type McpSessions, type Principal } from "open-mcp-gateway";
import { sendError } from "./guards.js";

/**
 * The original gateway's routes: `POST /mcp` with `server_id` in the body and `POST /rpc` with
 * `X-Server-ID`. The message goes to that server through the request pipeline; its JSON-RPC reply
 * comes back as is (errors included), with the original's HTTP statuses for gateway-side failures.
 */
export class PassThrough {
  constructor(private readonly sessions: McpSessions) {}

  async handle(ctx: Context, serverId: unknown, message: Record<string, unknown>): Promise<void> {
    if (typeof serverId !== "string" || serverId === "")
      return sendError(ctx, 400, "server_id required: the id of the server to send this message to");
    const principal = ctx.state.principal as Principal;
    if (!this.sessions.servers(principal).includes(serverId))
      return sendError(ctx, 404, `Server '${serverId}' not found`);
    if (message.jsonrpc !== "2.0" || typeof message.method !== "string")
      return sendError(ctx, 400, "The body must be a JSON-RPC 2.0 request or notification with a method");
    // A backend drops a message its schema refuses (an id of another type, params not an object, a
    // malformed progress token) without answering, so the caller would wait for the call's timeout.
    if (!(await acceptedBySdk(message)))
      return sendError(
        ctx,
        400,
        "Not a valid MCP request or notification: the id must be a string or an integer, params an object with a valid _meta",
      );
    const id = message.id as string | number | null | undefined;
    const params = (message.params ?? undefined) as Record<string, unknown> | undefined;
    // A client that leaves before its answer cancels the call at the backend.
    const left = new AbortController();
    ctx.res.once("close", () => {
      if (!ctx.res.writableFinished) left.abort(new Error("The client closed the HTTP request that carried it"));
    });
    try {
      const reply = await this.sessions.passThrough(
        serverId,
        { id, method: message.method, ...(params && { params }) },
        principal,
        left.signal,
      );
      if (reply.kind === "accepted") {
        ctx.status = 202;
        ctx.body = ""; // empty, not koa's default "Accepted"
      } else {
        ctx.body = {
          jsonrpc: "2.0",
          id,
          ...(reply.kind === "result" ? { result: reply.result } : { error: reply.error }),
        };
      }
    } catch (error) {
      if (error instanceof GatewayError) return sendError(ctx, ...httpStatusOf(error));
      throw error;
    }
  }
}

/** The original's statuses: unknown server 404, start or backend failure 502, timeout 504; a full queue or instance cap 503. */
export function httpStatusOf(error: GatewayError): [number, string] {
  switch (error.code) {
    case "MCPGW_ERR_BAD_REQUEST":
      return [400, error.message];
    case "MCPGW_ERR_UNAUTHORIZED":
      return [401, error.message];
    case "MCPGW_ERR_FORBIDDEN":
      return [403, error.message];
    case "MCPGW_ERR_SERVER_NOT_FOUND":
    case "MCPGW_ERR_NOT_FOUND":
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
    case "MCPGW_ERR_SERVER_BUSY":
    case "MCPGW_ERR_INSTANCE_LIMIT":
      return [503, error.message];
    default:
      return [500, error.message];
  }
}

/** The message as it would be forwarded, checked against the SDK's schemas (an id of null: the original's notification). */
async function acceptedBySdk(message: Record<string, unknown>): Promise<boolean> {
  const { isJSONRPCRequest, isJSONRPCNotification } = await sdkTypes();
  const { jsonrpc, id, method, params } = message;
  const forwarded = { jsonrpc, method, ...(params != null && { params }) };
  return id === undefined || id === null ? isJSONRPCNotification(forwarded) : isJSONRPCRequest({ ...forwarded, id });
}

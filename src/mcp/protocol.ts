import type * as SdkTypes from "@modelcontextprotocol/sdk/types.js";

/*
 * What the gateway needs of the protocol before any MCP traffic, without the SDK's types module:
 * that module builds hundreds of zod schemas as it loads (about 30 ms at boot on the 500-server
 * benchmark), so it loads with the first session, backend or message instead.
 */

/** JSON-RPC's error codes and MCP's own, as the specification numbers them. */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ConnectionClosed: -32000,
  RequestTimeout: -32001,
} as const;

/** The SDK's McpError (subclasses included: they keep its name), told by shape so no SDK module need load first. */
export function isMcpError(error: unknown): error is SdkTypes.McpError {
  return error instanceof Error && error.name === "McpError" && typeof (error as { code?: unknown }).code === "number";
}

let types: Promise<typeof SdkTypes> | undefined;

/** The SDK's types module (schemas, guards, protocol versions), loaded on first need. */
export function sdkTypes(): Promise<typeof SdkTypes> {
  types ??= import("@modelcontextprotocol/sdk/types.js");
  return types;
}

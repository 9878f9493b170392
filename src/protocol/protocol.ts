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

/**
 * A `params._meta` key a frontend sets on a `tools/call`, `prompts/get` or `resources/read` it relays for a
 * 2026-07-28 client: a modern backend's `input_required` result then comes back as it is (resultType,
 * inputRequests, the backend's opaque requestState) for the client to fulfil, instead of being fulfilled by
 * the gateway through the front session (what legacy clients get). The key never reaches the backend; the
 * client's retry carries `inputResponses` and `requestState` in its params, which pass to the backend as they are.
 */
export const PASS_INPUT_REQUIRED = "io.github.open-mcp-gateway/passInputRequired";

/** The SDK's McpError (subclasses included: they keep its name), told by shape so no SDK module need load first. */
export function isMcpError(error: unknown): error is SdkTypes.McpError {
  return error instanceof Error && error.name === "McpError" && typeof (error as { code?: unknown }).code === "number";
}

/**
 * How deep a backend's answer may nest. JSON.stringify recurses, and somewhere past 3,000 levels it
 * overflows the stack; the SDK then drops the response and the client waits forever. No real MCP
 * message comes near this.
 */
export const MAX_MESSAGE_DEPTH = 1_000;

/** Whether `value` nests arrays or objects more than `limit` levels deep; iterative, so any depth is safe to ask about. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

let types: Promise<typeof SdkTypes> | undefined;

/** The SDK's types module (schemas, guards, protocol versions), loaded on first need. */
export function sdkTypes(): Promise<typeof SdkTypes> {
  types ??= import("@modelcontextprotocol/sdk/types.js");
  return types;
}

import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** The envelope key that marks a 2026-07-28 request (the v2 SDK's PROTOCOL_VERSION_META_KEY, not loaded for a 2025 client). */
const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

/** Whether a connection's first message opens it in the 2026-07-28 era (the spec's rule: it carries the envelope's version). */
export function opensModern(message: JSONRPCMessage): boolean {
  const meta = (message as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
  return typeof meta?.[PROTOCOL_VERSION_META_KEY] === "string";
}

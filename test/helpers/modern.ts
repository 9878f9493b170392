// A 2026-07-28 POST written by hand, as the spec has clients send it, for tests of the wire rules.
import { answerOf } from "./sse.js";

export const MODERN = "2026-07-28";

export interface Posted {
  readonly status: number;
  readonly body: {
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
    id?: unknown;
  };
}

/** One 2026-07-28 POST as the spec has clients send it: envelope in `_meta`, version, method and name in headers. */
export async function modernPost(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: { headers?: Record<string, string>; meta?: Record<string, unknown> | null; id?: number } = {},
): Promise<Posted> {
  const name = typeof params.name === "string" ? params.name : typeof params.uri === "string" ? params.uri : undefined;
  const meta =
    options.meta === null
      ? undefined
      : {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
          ...options.meta,
        };
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(name !== undefined && { "mcp-name": name }),
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: options.id ?? 1,
      method,
      params: { ...params, ...(meta && { _meta: meta }) },
    }),
  });
  return { status: response.status, body: await answerOf(response) };
}

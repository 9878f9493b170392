import { zodMini as z } from "open-mcp-gateway";

export const sseRuntimePluginOptions = z.strictObject({});

/** `runtime:` of a `remote-sse` server: Streamable HTTP first, legacy SSE as the fallback. */
export const remoteSseOptions = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "url must be an http:// or https:// URL of the server's MCP endpoint" }),
  headers: z._default(z.record(z.string(), z.string()), {}),
  transport: z._default(z.enum(["auto", "streamable-http", "sse"]), "auto"),
  protocol_era: z._default(z.enum(["auto", "legacy", "modern"]), "auto"),
  connect_timeout_seconds: z._default(z.number().check(z.positive()), 10),
});

export type RemoteSseOptions = z.infer<typeof remoteSseOptions>;

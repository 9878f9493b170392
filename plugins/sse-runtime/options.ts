import { z } from "zod";

export const sseRuntimePluginOptions = z.strictObject({});

/** `runtime:` of a `remote-sse` server: Streamable HTTP first, legacy SSE as the fallback. */
export const remoteSseOptions = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "url must be an http:// or https:// URL of the server's MCP endpoint" }),
  headers: z.record(z.string(), z.string()).default({}),
  transport: z.enum(["auto", "streamable-http", "sse"]).default("auto"),
  connect_timeout_seconds: z.number().positive().default(10),
});

export type RemoteSseOptions = z.infer<typeof remoteSseOptions>;

import { zodMini as z } from "open-mcp-gateway";

/** Usually set from the command line (`mcpgw stdio --server ID --gateway URL --api-key KEY`), or under `plugins: { stdio-frontend: ... }`. */
export const stdioFrontendPluginOptions = z.strictObject({
  /** Serve this one server with names unchanged instead of every server aggregated. */
  server: z.optional(z.string().check(z.minLength(1))),
  /** Forward to a running HTTP gateway (its /mcp, or /mcp/<server>) instead of starting servers here. */
  gateway: z.optional(
    z.url({
      protocol: /^https?$/,
      error: "gateway must be the http(s) URL of a running mcpgw, e.g. http://127.0.0.1:4444",
    }),
  ),
  /** The gateway's API key; MCP_GATEWAY_API_KEY is used when this is absent. */
  api_key: z.optional(z.string().check(z.minLength(1))),
});

export type StdioFrontendOptions = z.output<typeof stdioFrontendPluginOptions>;

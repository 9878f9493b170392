import { definePlugin, parsePluginOptions } from "open-mcp-gateway";
import { remoteSseOptions, sseRuntimePluginOptions } from "./options.js";

export const sseRuntimePlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("sse-runtime", sseRuntimePluginOptions, options);
  return {
    name: "sse-runtime",
    apply(ctx) {
      ctx.defineRuntime({
        type: "remote-sse",
        options: remoteSseOptions,
        // Each client session gets its own upstream MCP session; all of them share one keep-alive pool.
        sessionPerClient: true,
        // The SDK's HTTP client transports load with the first remote server, not at boot.
        create: async (server, context) => new (await import("./RemoteRuntime.js")).RemoteRuntime(server, context),
      });
    },
  };
});

export default sseRuntimePlugin;

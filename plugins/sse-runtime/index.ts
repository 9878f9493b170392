import { definePlugin, parsePluginOptions } from "../../src/plugin/definePlugin.js";
import { GatewayError } from "../../src/kernel/errors.js";
import { remoteSseOptions, sseRuntimePluginOptions } from "./options.js";

export const sseRuntimePlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("sse-runtime", sseRuntimePluginOptions, options);
  return {
    name: "sse-runtime",
    apply(ctx) {
      ctx.defineRuntime({
        type: "remote-sse",
        options: remoteSseOptions,
        async create(server) {
          throw new GatewayError("MCPGW_ERR_RUNTIME_UNAVAILABLE", `Server '${server.id}': the remote-sse runtime cannot connect yet`, { server: server.id, plugin: "sse-runtime" });
        },
      });
    },
  };
});

export default sseRuntimePlugin;

import { definePlugin, parsePluginOptions } from "../../src/plugin/definePlugin.js";
import { remoteSseOptions, sseRuntimePluginOptions } from "./options.js";
import { RemoteRuntime } from "./RemoteRuntime.js";

export const sseRuntimePlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("sse-runtime", sseRuntimePluginOptions, options);
  return {
    name: "sse-runtime",
    apply(ctx) {
      ctx.defineRuntime({
        type: "remote-sse",
        options: remoteSseOptions,
        create: async (server, context) => new RemoteRuntime(server, context),
      });
    },
  };
});

export default sseRuntimePlugin;

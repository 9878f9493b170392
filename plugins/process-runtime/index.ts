import { definePlugin, parsePluginOptions } from "../../src/plugin/definePlugin.js";
import { GatewayError } from "../../src/kernel/errors.js";
import { localProcessOptions, processRuntimePluginOptions } from "./options.js";

export const processRuntimePlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("process-runtime", processRuntimePluginOptions, options);
  return {
    name: "process-runtime",
    apply(ctx) {
      ctx.defineRuntime({
        type: "local-process",
        options: localProcessOptions,
        async create(server) {
          throw new GatewayError("MCPGW_ERR_RUNTIME_UNAVAILABLE", `Server '${server.id}': the local-process runtime cannot start servers yet`, { server: server.id, plugin: "process-runtime" });
        },
      });
    },
  };
});

export default processRuntimePlugin;

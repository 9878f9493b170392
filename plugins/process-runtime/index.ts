import { definePlugin, parsePluginOptions } from "open-mcp-gateway";
import { LocalProcessRuntime } from "./LocalProcessRuntime.js";
import { localProcessOptions, processRuntimePluginOptions } from "./options.js";
import { OrphanGuard } from "./OrphanGuard.js";

export const processRuntimePlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("process-runtime", processRuntimePluginOptions, options);
  return {
    name: "process-runtime",
    apply(ctx) {
      const guard = new OrphanGuard(ctx.logger);
      ctx.defineRuntime({
        type: "local-process",
        options: localProcessOptions,
        create: async (server, context) => new LocalProcessRuntime(server, context, guard),
      });
      // Started once the gateway is up (not during boot, not with the first backend), so neither the
      // time to ready nor the first cold start shares the CPU with it.
      ctx.hooks.started.tap("process-runtime", () => {
        if (ctx.kernel.config.servers.some((server) => server.runtime.type === "local-process")) guard.ensure();
      });
      // LIFO: this runs after the supervisor stopped every backend; the guard ends what they left outside their groups.
      ctx.hooks.shutdown.tap("process-runtime", () => guard.close());
    },
  };
});

export default processRuntimePlugin;

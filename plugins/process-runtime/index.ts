import { definePlugin, GatewayError, parsePluginOptions } from "open-mcp-gateway";
import { LocalProcessRuntime, workingDirProblem } from "./LocalProcessRuntime.js";
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
        create: async (server, context) => {
          const problem = workingDirProblem(server);
          if (problem)
            throw new GatewayError("MCPGW_ERR_SERVER_START", problem, { server: server.id, key: "working_dir" });
          return new LocalProcessRuntime(server, context, guard);
        },
      });
      // A warning, not an error: the folder may be created before the server's first start.
      ctx.hooks.validate.tap("process-runtime", (config, report) => {
        for (const server of config.servers) {
          if (server.runtime.type !== "local-process" || server.unavailable) continue;
          const problem = workingDirProblem(server);
          // The report's positions are the config file's; a catalog server's absolute path says enough.
          const inConfig = server.origin.file === config.source.filepath;
          if (problem)
            report.warn(
              inConfig ? [...server.origin.path, "runtime", "working_dir"] : [],
              `Server '${server.id}': ${problem}`,
            );
        }
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

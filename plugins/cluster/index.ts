import { hostname } from "node:os";
import { definePlugin, gatewayTokens, parsePluginOptions, zodMini as z } from "open-mcp-gateway";
import { clusterSchema } from "./options.js";

export const clusterPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("cluster", z.strictObject({}), options);
  return {
    name: "cluster",
    apply(ctx) {
      const cluster = ctx.defineConfigKey("cluster", clusterSchema);
      if (ctx.mode !== "serve") return;
      ctx.hooks.configLoaded.tapPromise("cluster", async () => {
        const settings = cluster.get();
        if (!settings) return;
        ctx.use(gatewayTokens.redactor).add([settings.session_secret, ...settings.previous_session_secrets]);
        const { ClusterRouting } = await import("./ClusterRouting.js");
        const routing = new ClusterRouting(settings, ctx.logger);
        ctx.provide(gatewayTokens.sessionRouting, routing);
        ctx.logger.info(
          `Cluster mode: replica ${settings.node_id ?? hostname()} (${routing.epoch}) reached at ${settings.advertise_url}`,
        );
      });
    },
  };
});

export default clusterPlugin;

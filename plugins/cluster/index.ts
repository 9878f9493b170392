import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { definePlugin, gatewayTokens, parsePluginOptions, Stage, zodMini as z } from "open-mcp-gateway";
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
        const sessions = ctx.use(gatewayTokens.sessions);
        const routing = new ClusterRouting(settings, ctx.logger, (route) => {
          const ids = route.server !== undefined ? [route.server] : sessions.servers(route.principal);
          const servers = ctx.kernel.config.servers;
          return ids.every((id) => servers.find((server) => server.id === id)?.isolation === "shared");
        });
        ctx.provide(gatewayTokens.sessionRouting, routing);
        ctx.logger.info(
          `Cluster mode: replica ${settings.node_id ?? hostname()} (${routing.epoch}) reached at ${settings.advertise_url}`,
        );
        ctx.use(gatewayTokens.httpRoutes).add({
          method: "GET",
          path: "/cluster",
          handler: () => ({
            node_id: settings.node_id ?? hostname(),
            epoch: routing.epoch,
            advertise_url: settings.advertise_url,
            ...routing.report(),
          }),
        });
        // Before every other plugin's step: the frontend still listens, /ready already answers 503 (the kernel is stopping).
        ctx.hooks.beforeShutdown.tapPromise({ name: "cluster", stage: Stage.FIRST }, async () => {
          routing.drain();
          ctx.logger.info(
            `Draining: /ready answers 503 and new sessions are refused; open sessions are served for ${settings.drain_delay_seconds} s more, then calls in flight finish`,
          );
          await delay(settings.drain_delay_seconds * 1000);
        });
      });
    },
  };
});

export default clusterPlugin;

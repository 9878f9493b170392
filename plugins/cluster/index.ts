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
        ctx
          .use(gatewayTokens.redactor)
          .add([settings.session_secret, ...settings.previous_session_secrets, ...urlPassword(settings.redis_url)]);
        const { ClusterRouting } = await import("./ClusterRouting.js");
        const sessions = ctx.use(gatewayTokens.sessions);
        const routing = new ClusterRouting(settings, ctx.logger, (route) => {
          const ids = route.server !== undefined ? [route.server] : sessions.servers(route.principal);
          const servers = ctx.kernel.config.servers;
          return ids.every((id) => servers.find((server) => server.id === id)?.isolation === "shared");
        });
        ctx.provide(gatewayTokens.sessionRouting, routing);
        if (settings.redis_url) {
          const { RedisDirectory } = await import("./RedisDirectory.js");
          const directory = await RedisDirectory.connect(settings.redis_url, settings.redis_key_prefix, ctx.logger);
          routing.directory = directory;
          routing.table = directory.sessionTable({
            sessionTtlSeconds: settings.session_max_age_seconds,
            maxEvents: settings.shared_events_max,
            eventsTtlSeconds: settings.shared_events_ttl_seconds,
          });
          const requestHooks = ctx.use(gatewayTokens.requestHooks);
          requestHooks.outcome.tap("cluster", (request, outcome) => routing.outcome(request, outcome));
          requestHooks.sessionClosed.tap("cluster", (session) => routing.closed(session));
          directory.onReady(() => routing.reshare());
          // Peers may relay to this replica once it listens; it stops beating only once its sessions are closed.
          ctx.hooks.started.tap("cluster", () =>
            directory.beat(routing.epoch, settings.advertise_url, settings.heartbeat_seconds * 1000),
          );
          ctx.hooks.shutdown.tapPromise("cluster", () => directory.close(routing.epoch));
        }
        ctx.logger.info(
          `Cluster mode: replica ${settings.node_id ?? hostname()} (${routing.epoch}) reached at ${settings.advertise_url}`,
        );
        const report = () => ({
          node_id: settings.node_id ?? hostname(),
          epoch: routing.epoch,
          advertise_url: settings.advertise_url,
          ...routing.report(),
        });
        ctx.use(gatewayTokens.httpRoutes).add({ method: "GET", path: "/cluster", handler: report });
        const metrics = ctx.use(gatewayTokens.metrics);
        metrics.section("cluster", report);
        (await import("./metrics.js")).addClusterMetrics(metrics, routing);
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

function urlPassword(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}

export default clusterPlugin;

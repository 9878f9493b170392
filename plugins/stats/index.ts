import { definePlugin, gatewayTokens, parsePluginOptions, Stage, type ServerSupervisor } from "open-mcp-gateway";
import { Collector } from "./Collector.js";
import type { Metrics } from "./metrics.js";
import { statsPluginOptions, type StatsOptions } from "./options.js";
import { statsReport } from "./statsReport.js";

export { statsPluginOptions };

const NAME = "stats";

/**
 * Counts what goes through the gateway, as an observer: every request's outcome on every frontend,
 * sessions, backend state changes and reloads. Serves `GET /stats` (the original's JSON, extended)
 * and `GET /metrics` (Prometheus text), both admin scope, with what other plugins add to `gatewayTokens.metrics`.
 */
export const statsPlugin = definePlugin((options: Partial<StatsOptions> = {}) => {
  const settings = parsePluginOptions(NAME, statsPluginOptions, options);
  return {
    name: NAME,
    apply(ctx) {
      if (ctx.mode === "inspect") return;
      const collector = new Collector(settings);
      const hooks = ctx.use(gatewayTokens.requestHooks);
      // Last among observers: what it counts is what the others (an audit log) saw too.
      const observe = { name: NAME, stage: Stage.OBSERVE };
      hooks.outcome.tap(observe, (request, outcome) => collector.outcome(request, outcome));
      hooks.sessionOpened.tap(observe, (session) => collector.sessionOpened(session));
      hooks.sessionClosed.tap(observe, (session) => collector.sessionClosed(session));
      ctx.hooks.serverStateChanged.tap(observe, (change) => collector.stateChanged(change));
      ctx.hooks.reloaded.tap(observe, (outcome) => collector.reloaded(outcome));

      ctx.hooks.initialize.tap(NAME, () => {
        if (!ctx.container.isRegistered(gatewayTokens.httpRoutes, true)) return;
        const routes = ctx.use(gatewayTokens.httpRoutes);
        const supervisor = (): ServerSupervisor => ctx.use(gatewayTokens.supervisor);
        const plugins = ctx.use(gatewayTokens.metrics);
        let metrics: Metrics | undefined;
        routes.add({
          method: "GET",
          path: "/stats",
          scope: "admin",
          handler: () => statsReport(collector, supervisor(), plugins),
        });
        routes.add({
          method: "GET",
          path: "/metrics",
          scope: "admin",
          handler: async (_request, reply) => {
            metrics ??= new (await import("./metrics.js")).Metrics(collector, supervisor(), plugins);
            reply.header("Content-Type", await metrics.contentType());
            return metrics.text();
          },
        });
      });
    },
  };
});

export default statsPlugin;

import { zodMini as z, definePlugin, parsePluginOptions } from "open-mcp-gateway";

export const statsPluginOptions = z.strictObject({});

/** Counts server state changes; /stats and /metrics build on it in the stats issue. */
export const statsPlugin = definePlugin((options: Record<string, never> = {}) => {
  parsePluginOptions("stats", statsPluginOptions, options);
  return {
    name: "stats",
    apply(ctx) {
      const transitions = new Map<string, number>();
      ctx.hooks.serverStateChanged.tap("stats", (change) => {
        const key = `${change.server}:${change.to}`;
        transitions.set(key, (transitions.get(key) ?? 0) + 1);
      });
      ctx.hooks.shutdown.tap("stats", () => {
        if (transitions.size > 0)
          ctx.logger.debug({ transitions: Object.fromEntries(transitions) }, "server state transitions");
      });
    },
  };
});

export default statsPlugin;

import { zodMini as z, definePlugin, parsePluginOptions } from "open-mcp-gateway";

export const hotReloadPluginOptions = z.strictObject({
  debounce_ms: z._default(z.int().check(z.minimum(0)), 500),
});

export const hotReloadPlugin = definePlugin((options: Partial<z.infer<typeof hotReloadPluginOptions>> = {}) => {
  parsePluginOptions("hot-reload", hotReloadPluginOptions, options);
  return {
    name: "hot-reload",
    apply(ctx) {
      // The watcher itself comes with the hot-reload issue; the key is owned here so configs with it validate.
      ctx.defineConfigKey("hot_reload", z._default(z.boolean(), true));
    },
  };
});

export default hotReloadPlugin;

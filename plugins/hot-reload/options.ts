import { zodMini as z } from "open-mcp-gateway";

export const hotReloadPluginOptions = z.strictObject({
  /** Quiet time after the last file event before the files are read (a burst of writes is one reload). */
  debounce_ms: z._default(z.int().check(z.minimum(0)), 500),
});

export type HotReloadPluginOptions = z.infer<typeof hotReloadPluginOptions>;

/** `hot_reload`: whether file changes are watched (SIGHUP and POST /admin/reload work either way). */
export const hotReloadSchema = z._default(z.boolean(), true);

/**
 * `reload_strategy` (top level, and per server): how a changed server whose backend runs takes its
 * new definition. `restart` once its calls finish; `keep` (the original's behaviour) until it is
 * next stopped and started.
 */
export const reloadStrategySchema = z.enum(["restart", "keep"]);

import type { GatewayMode } from "../kernel/hooks.js";
import type { PluginFactory } from "./types.js";

interface BuiltinPlugin {
  readonly load: () => Promise<{ default: PluginFactory }>;
  /** Modules the plugin imports lazily but will need at once in a mode: loaded with the preload. */
  readonly warm?: Partial<Record<GatewayMode, () => Promise<unknown>>>;
  /** Top-level config keys it owns: kept (with a warning) when the plugin is off. */
  readonly ownsKeys: readonly string[];
}

/** The built-in plugins, in the order the default bundle applies them. */
export const BUILTIN_PLUGINS: ReadonlyMap<string, BuiltinPlugin> = new Map<string, BuiltinPlugin>([
  ["process-runtime", { load: () => import("../../plugins/process-runtime/index.js"), ownsKeys: [] }],
  ["sse-runtime", { load: () => import("../../plugins/sse-runtime/index.js"), ownsKeys: [] }],
  ["api-key-auth", { load: () => import("../../plugins/api-key-auth/index.js"), ownsKeys: ["api_key", "api_keys"] }],
  ["hot-reload", { load: () => import("../../plugins/hot-reload/index.js"), ownsKeys: ["hot_reload"] }],
  ["stats", { load: () => import("../../plugins/stats/index.js"), ownsKeys: [] }],
  [
    "http-frontend",
    {
      load: () => import("../../plugins/http-frontend/index.js"),
      warm: { serve: () => import("../../plugins/http-frontend/HttpFrontend.js") },
      ownsKeys: ["listen_addr", "cors_enabled", "cors_origins"],
    },
  ],
  // A stdio gateway opens its one client session at once: the session's SDK server with it.
  ["stdio-frontend", { load: () => import("../../plugins/stdio-frontend/index.js"), warm: { stdio: () => import("../mcp/FrontSession.js") }, ownsKeys: [] }],
]);

export const DEFAULT_BUNDLE: readonly string[] = [...BUILTIN_PLUGINS.keys()];

/**
 * Starts loading every built-in's module (and what it will need in `mode`), without waiting: called
 * before the config is read, so the module loader's file reads overlap that work. A plugin the
 * config turns off costs its load only.
 */
export function preloadBuiltins(mode: GatewayMode): void {
  for (const builtin of BUILTIN_PLUGINS.values()) {
    builtin.load().catch(() => {});
    builtin.warm?.[mode]?.().catch(() => {});
  }
}

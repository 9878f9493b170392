import type { GatewayMode } from "../kernel/hooks.js";
import type { BuiltinPlugin, GatewayAssembly } from "../plugin/types.js";
import { corePlugin } from "./corePlugin.js";

/** The built-in plugins, in the order the default bundle applies them. */
export const BUILTIN_PLUGINS: ReadonlyMap<string, BuiltinPlugin> = new Map<string, BuiltinPlugin>([
  ["process-runtime", { load: () => import("../../plugins/process-runtime/index.js"), ownsKeys: [] }],
  ["sse-runtime", { load: () => import("../../plugins/sse-runtime/index.js"), ownsKeys: [] }],
  ["api-key-auth", { load: () => import("../../plugins/api-key-auth/index.js"), ownsKeys: ["api_key", "api_keys"] }],
  [
    "hot-reload",
    {
      load: () => import("../../plugins/hot-reload/index.js"),
      ownsKeys: ["hot_reload", "reload_strategy"],
      ownsServerKeys: ["reload_strategy"],
    },
  ],
  ["stats", { load: () => import("../../plugins/stats/index.js"), ownsKeys: [] }],
  // Owns `tracing:`; OpenTelemetry itself loads only when tracing.otlp_endpoint is set.
  ["tracing", { load: () => import("../../plugins/tracing/index.js"), ownsKeys: ["tracing"] }],
  [
    "tool-filter",
    { load: () => import("../../plugins/tool-filter/index.js"), ownsKeys: [], ownsServerKeys: ["tools", "prompts"] },
  ],
  ["cluster", { load: () => import("../../plugins/cluster/index.js"), ownsKeys: ["cluster"] }],
  [
    "http-frontend",
    {
      load: () => import("../../plugins/http-frontend/index.js"),
      warm: { serve: () => import("../../plugins/http-frontend/HttpFrontend.js") },
      ownsKeys: ["listen_addr", "cors_enabled", "cors_origins"],
    },
  ],
  // A stdio gateway opens its one client session at once: the session's SDK server with it.
  [
    "stdio-frontend",
    {
      load: () => import("../../plugins/stdio-frontend/index.js"),
      warm: { stdio: () => import("../mcp/FrontSession.js") },
      ownsKeys: [],
    },
  ],
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

/** What `mcpgw` runs: the core services and every built-in plugin. */
export const DEFAULT_ASSEMBLY: GatewayAssembly = {
  builtins: BUILTIN_PLUGINS,
  defaultBundle: DEFAULT_BUNDLE,
  core: [corePlugin],
  preload: preloadBuiltins,
};

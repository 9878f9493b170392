import type { GatewayPlugin } from "../plugin/types.js";

/** The shape of an mcpgw.config.{ts,js,mjs} default export (YAML files have the same keys). */
export interface UserConfig {
  preset?: "default" | "none";
  plugins?: Record<string, boolean | null | Record<string, unknown> | GatewayPlugin>;
  servers?: unknown[] | Record<string, unknown>;
  mcpServers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Types a JS/TS config; the identity at run time. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

import { z } from "zod";
import type { SchemaRegistry } from "./SchemaRegistry.js";

export const SERVER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const TOOL_PREFIX_PATTERN = /^[A-Za-z0-9_-]+$/;

const seconds = (fallback: number) => z.number().int().min(0).default(fallback);

/** Gateway-wide keys the core owns (names as in the original gateway). */
const coreKeys = {
  log_level: z.enum(["trace", "debug", "info", "warn", "warning", "error", "fatal", "silent", "off"]).optional(),
  idle_timeout_seconds: seconds(300),
  request_timeout_seconds: z.number().int().min(1).default(30),
  health_check_interval_seconds: seconds(30),
  max_connections_per_server: z.number().int().min(1).default(10),
  tool_name_separator: z.string().regex(/^[A-Za-z0-9_-]{1,8}$/, "use 1 to 8 of A-Z a-z 0-9 _ -").default("__"),
  max_tool_name_length: z.number().int().min(16).max(128).default(64),
  catalog_path: z.string().min(1).optional(),
  state_dir: z.string().min(1).optional(),
};

/** Keys the core reads itself before any plugin exists. */
export const STRUCTURAL_KEYS = ["preset", "plugins", "servers", "mcpServers", "$schema"] as const;

export function defineCoreKeys(registry: SchemaRegistry): void {
  for (const [key, schema] of Object.entries(coreKeys)) registry.defineKey(key, schema, "core");
}

/** The fields of a server entry besides id and runtime, which are checked by hand for the original's wording. */
export const serverFieldsSchema = z.strictObject({
  display_name: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: "an env value is a string (numbers and booleans are turned into strings)" }).transform(String)).default({}),
  idle_timeout_seconds: z.number().int().min(0).optional(),
  request_timeout_seconds: z.number().int().min(1).optional(),
  isolation: z.enum(["shared", "session"]).default("shared"),
  tool_prefix: z.string().regex(TOOL_PREFIX_PATTERN, "use letters, digits, '_' and '-'").optional(),
  autostart: z.boolean().default(false),
});

import { z } from "./zod.js";
import type { SchemaRegistry } from "./SchemaRegistry.js";

export const SERVER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const TOOL_PREFIX_PATTERN = /^[A-Za-z0-9_-]+$/;

const seconds = (fallback: number) => z._default(z.int().check(z.minimum(0)), fallback);

/** Gateway-wide keys the core owns (names as in the original gateway). */
const coreKeys = {
  log_level: z.optional(z.enum(["trace", "debug", "info", "warn", "warning", "error", "fatal", "silent", "off"])),
  idle_timeout_seconds: seconds(300),
  request_timeout_seconds: z._default(z.int().check(z.minimum(1)), 30),
  // A first `npx -y` start downloads the package; a start cut off at 30 s would restart the download forever.
  start_timeout_seconds: z._default(z.int().check(z.minimum(1)), 60),
  health_check_interval_seconds: seconds(30),
  // A backend that exits sooner than this after a successful start counts as a failed start (backoff).
  min_uptime_seconds: seconds(10),
  max_connections_per_server: z._default(z.int().check(z.minimum(1)), 10),
  // Small on purpose: a stuck backend refuses the next call at once instead of holding memory for thousands.
  max_queued_calls_per_server: z._default(z.int().check(z.minimum(0)), 100),
  max_session_instances: z._default(z.int().check(z.minimum(1)), 20),
  tool_name_separator: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,8}$/, "use 1 to 8 of A-Z a-z 0-9 _ -")),
    "__",
  ),
  max_tool_name_length: z._default(z.int().check(z.minimum(16), z.maximum(128)), 64),
  catalog_path: z.optional(z.string().check(z.minLength(1))),
  state_dir: z.optional(z.string().check(z.minLength(1))),
};

/** Keys the core reads itself before any plugin exists. */
export const STRUCTURAL_KEYS = ["preset", "plugins", "servers", "mcpServers", "$schema"] as const;

export function defineCoreKeys(registry: SchemaRegistry): void {
  for (const [key, schema] of Object.entries(coreKeys)) registry.defineKey(key, schema, "core");
}

/** The fields of a server entry besides id and runtime, which are checked by hand for the original's wording. */
export const serverFieldsSchema = z.strictObject({
  display_name: z.optional(z.string()),
  description: z.optional(z.string()),
  tags: z._default(z.array(z.string()), []),
  env: z._default(
    z.record(
      z.string(),
      z.pipe(
        z.union([z.string(), z.number(), z.boolean()], {
          error: "an env value is a string (numbers and booleans are turned into strings)",
        }),
        z.transform(String),
      ),
    ),
    {},
  ),
  idle_timeout_seconds: z.optional(z.int().check(z.minimum(0))),
  request_timeout_seconds: z.optional(z.int().check(z.minimum(1))),
  start_timeout_seconds: z.optional(z.int().check(z.minimum(1))),
  min_uptime_seconds: z.optional(z.int().check(z.minimum(0))),
  max_session_instances: z.optional(z.int().check(z.minimum(1))),
  /** Unset: `session` for runtime types that declare `sessionPerClient` (remote-sse), else `shared`. */
  isolation: z.optional(z.enum(["shared", "session"])),
  tool_prefix: z.optional(z.string().check(z.regex(TOOL_PREFIX_PATTERN, "use letters, digits, '_' and '-'"))),
  autostart: z._default(z.boolean(), false),
  /** What the gateway answers a shared backend's roots/list with when no single client can (several share it). */
  roots: z.optional(
    z.array(
      z.strictObject({
        uri: z.string().check(z.startsWith("file://", "a root is a file:// URI, e.g. file:///home/me/project")),
        name: z.optional(z.string()),
      }),
    ),
  ),
});

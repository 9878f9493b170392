import { zodMini as z } from "open-mcp-gateway";

export const statsPluginOptions = z.strictObject({
  /**
   * Distinct tool names kept as their own label value (over every server); further names count
   * under `other`, so a client that calls thousands of made-up names cannot grow /metrics.
   */
  max_tool_labels: z._default(z.int().check(z.minimum(1), z.maximum(100_000)), 200),
  /** Distinct principals (key names) kept as their own label value; the rest count under `other`. */
  max_principal_labels: z._default(z.int().check(z.minimum(1), z.maximum(100_000)), 100),
});

export type StatsOptions = z.output<typeof statsPluginOptions>;

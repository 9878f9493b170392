import { zodMini as z } from "open-mcp-gateway";

export const toolFilterPluginOptions = z.strictObject({});

const shown = z.strictObject({
  name: z.optional(
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, "a name is letters, digits, '_', '-' and '.', at most 128 characters")),
  ),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
});

/** `tools:` (and `prompts:`) of a server entry: what clients see of that server's tools. */
export const filterSchema = z.strictObject({
  /** Globs (`*`, `?`); when given, only matching names are shown. */
  allow: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Globs applied after allow: hidden from every list, calls refused. */
  deny: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** Per original name: what clients see instead; calls are mapped back. */
  override: z._default(z.record(z.string(), shown), {}),
});

export type FilterRules = z.output<typeof filterSchema>;

import { z } from "zod";

export const apiKeyAuthPluginOptions = z.strictObject({});

/** The original's single key; empty (as `${MCP_GATEWAY_API_KEY:-}` gives when unset) means auth off. */
export const apiKeySchema = z
  .string()
  .optional()
  .transform((key) => key || undefined);

/** Several named keys; the name is what logs and stats show, never the key. */
export const apiKeysSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "a key name is letters, digits, '_', '.' and '-'"),
      key: z.string().min(16, "a key must be at least 16 characters"),
      scopes: z.array(z.string()).default(["*"]),
    }),
  )
  .default([]);

export type NamedApiKey = z.infer<typeof apiKeysSchema>[number];

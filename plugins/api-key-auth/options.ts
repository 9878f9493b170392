import { zodMini as z } from "open-mcp-gateway";

export const apiKeyAuthPluginOptions = z.strictObject({});

/** The original's single key; empty (as `${MCP_GATEWAY_API_KEY:-}` gives when unset) means auth off. */
export const apiKeySchema = z.pipe(
  z.optional(z.string()),
  z.transform((key: string | undefined) => key || undefined),
);

const namedApiKey = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "a key name is letters, digits, '_', '.' and '-'")),
  key: z.string().check(z.minLength(16, "a key must be at least 16 characters")),
  scopes: z._default(z.array(z.string()), ["*"]),
  /** Server ids and `tag:<tag>` selectors; absent: every server. */
  servers: z.optional(z.array(z.string().check(z.minLength(1)))),
});

/** Several named keys; the name is what logs and stats show, never the key. */
export const apiKeysSchema = z._default(z.array(namedApiKey), []);

/** `api_keys_file`: a YAML file holding a list like `api_keys`, relative to the config file. */
export const apiKeysFileSchema = z.optional(z.string().check(z.minLength(1)));

/** What an `api_keys_file` holds. */
export const keyFileSchema = z.array(namedApiKey);

export type NamedApiKey = z.infer<typeof namedApiKey>;

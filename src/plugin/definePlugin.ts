import { GatewayError } from "../kernel/errors.js";
import type { ConfigSchema, SchemaIssue } from "../config/model.js";
import type { GatewayPlugin, PluginFactory } from "./types.js";

/** Types a plugin factory; the identity at run time, like Vite's defineConfig. */
export function definePlugin<Options = Record<string, never>>(
  factory: (options: Options) => GatewayPlugin,
): PluginFactory<Options> {
  return factory;
}

/** Thrown by a factory whose options do not fit its schema; the loader turns it into config issues with lines. */
export class PluginOptionsError extends GatewayError {
  constructor(
    readonly plugin: string,
    readonly schemaIssues: readonly SchemaIssue[],
    readonly schema: ConfigSchema,
  ) {
    super(
      "MCPGW_ERR_PLUGIN_OPTIONS",
      `Invalid options for plugin '${plugin}': ${schemaIssues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      { plugin },
    );
    this.name = "PluginOptionsError";
  }
}

/** Validates a plugin's options with its own schema (zod or anything with safeParse). */
export function parsePluginOptions<T>(plugin: string, schema: ConfigSchema<T>, options: unknown): T {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  throw new PluginOptionsError(plugin, result.error.issues, schema);
}

import { GatewayError } from "../kernel/errors.js";
import type { ConfigSchema } from "./model.js";

export interface OwnedSchema {
  readonly schema: ConfigSchema;
  /** `core` or the plugin id that declared it. */
  readonly owner: string;
}

/**
 * The keys the config may hold and the runtime types servers may use, each with the schema
 * that validates it and who declared it. The core fills it first, then every plugin's apply.
 */
export class SchemaRegistry {
  readonly keys = new Map<string, OwnedSchema>();
  readonly runtimes = new Map<string, OwnedSchema>();
  /** Fields a plugin adds to every server entry (`tools:` of tool-filter). */
  readonly serverKeys = new Map<string, OwnedSchema>();
  /** Plugins that failed to load: a runtime type nobody provides may be theirs. */
  readonly unavailable: string[] = [];

  defineKey(key: string, schema: ConfigSchema, owner: string): void {
    const existing = this.keys.get(key);
    if (existing) {
      throw new GatewayError(
        "MCPGW_ERR_PROVIDER_CONFLICT",
        `Config key '${key}' is declared by both '${existing.owner}' and '${owner}'`,
        { plugin: owner, key },
      );
    }
    this.keys.set(key, { schema, owner });
  }

  defineServerKey(key: string, schema: ConfigSchema, owner: string): void {
    const existing = this.serverKeys.get(key);
    if (existing) {
      throw new GatewayError(
        "MCPGW_ERR_PROVIDER_CONFLICT",
        `Server field '${key}' is declared by both '${existing.owner}' and '${owner}'`,
        { plugin: owner, key },
      );
    }
    this.serverKeys.set(key, { schema, owner });
  }

  defineRuntime(type: string, schema: ConfigSchema, owner: string): void {
    const existing = this.runtimes.get(type);
    if (existing) {
      throw new GatewayError(
        "MCPGW_ERR_RUNTIME_CONFLICT",
        `Runtime type '${type}' is provided by both '${existing.owner}' and '${owner}'`,
        { plugin: owner },
      );
    }
    this.runtimes.set(type, { schema, owner });
  }
}

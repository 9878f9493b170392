import { GatewayError } from "../kernel/errors.js";
import type { ConfigSchema } from "./model.js";

export interface OwnedSchema {
  readonly schema: ConfigSchema;
  /** `core` or the plugin id that declared it. */
  readonly owner: string;
}

/** A runtime type: its options schema, who provides it, and whether its servers default to an instance per client session. */
export interface OwnedRuntime extends OwnedSchema {
  readonly sessionPerClient: boolean;
}

/**
 * The keys the config may hold and the runtime types servers may use, each with the schema
 * that validates it and who declared it. The core fills it first, then every plugin's apply.
 */
export class SchemaRegistry {
  readonly keys = new Map<string, OwnedSchema>();
  readonly runtimes = new Map<string, OwnedRuntime>();
  /** Fields a plugin adds to every server entry (`tools:` of tool-filter). */
  readonly serverKeys = new Map<string, OwnedSchema>();
  /** Plugins that failed to load: a runtime type nobody provides may be theirs. */
  readonly unavailable: string[] = [];

  defineKey(key: string, schema: ConfigSchema, owner: string): void {
    claim(
      this.keys,
      key,
      { schema, owner },
      () =>
        new GatewayError(
          "MCPGW_ERR_PROVIDER_CONFLICT",
          `Config key '${key}' is declared by both '${this.keys.get(key)!.owner}' and '${owner}'`,
          { plugin: owner, key },
        ),
    );
  }

  defineServerKey(key: string, schema: ConfigSchema, owner: string): void {
    claim(
      this.serverKeys,
      key,
      { schema, owner },
      () =>
        new GatewayError(
          "MCPGW_ERR_PROVIDER_CONFLICT",
          `Server field '${key}' is declared by both '${this.serverKeys.get(key)!.owner}' and '${owner}'`,
          { plugin: owner, key },
        ),
    );
  }

  defineRuntime(type: string, schema: ConfigSchema, owner: string, sessionPerClient = false): void {
    claim(
      this.runtimes,
      type,
      { schema, owner, sessionPerClient },
      () =>
        new GatewayError(
          "MCPGW_ERR_RUNTIME_CONFLICT",
          `Runtime type '${type}' is provided by both '${this.runtimes.get(type)!.owner}' and '${owner}'`,
          { plugin: owner },
        ),
    );
  }
}

/** Registers `name` for its first owner only; a second claim is the error `conflict` makes. */
function claim<T extends OwnedSchema>(map: Map<string, T>, name: string, owned: T, conflict: () => GatewayError): void {
  if (map.has(name)) throw conflict();
  map.set(name, owned);
}

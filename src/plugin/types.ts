import type { DependencyContainer, InjectionToken } from "tsyringe";
import type { ConfigSchema, ServerDefinition } from "../config/model.js";
import type { GatewayMode, KernelHooks } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import type { RuntimeDefinition } from "../runtime/types.js";

/** What a plugin's apply receives. Apply only taps hooks and registers providers; I/O waits for beforeStart. */
export interface PluginContext {
  readonly kernel: Kernel;
  readonly hooks: KernelHooks;
  /** This plugin's own child container; falls back to the root for core services. */
  readonly container: DependencyContainer;
  /** A child logger carrying `plugin: <name>`. */
  readonly logger: Logger;
  readonly mode: GatewayMode;
  /** Declares a top-level config key this plugin owns and the schema that validates it; read it through the accessor returned. */
  defineConfigKey<T>(key: string, schema: ConfigSchema<T>): ConfigKey<T>;
  /** Declares a field of every server entry this plugin owns (`tools:` of tool-filter); read it through the accessor returned. */
  defineServerKey<T>(key: string, schema: ConfigSchema<T>): ServerKey<T>;
  /** Adds a `runtime.type` server entries can use. */
  defineRuntime<Options>(definition: RuntimeDefinition<Options>): void;
  /** Publishes a service to every plugin through the root container; a second provider of the same token is an error. */
  provide<T>(token: InjectionToken<T>, value: T): void;
  /** A service another plugin (or the core) provides; the error names the token when nobody does (yet). */
  use<T>(token: InjectionToken<T>): T;
}

/** A typed view of one field of server entries. */
export interface ServerKey<T> {
  readonly key: string;
  /** The validated value in `server`'s entry, or undefined when the entry has none. */
  get(server: ServerDefinition): T | undefined;
}

/** A typed view of one top-level config key, following the config in force (hot reloads included). */
export interface ConfigKey<T> {
  readonly key: string;
  /** The validated value; read it from `configLoaded` on. */
  get(): T;
}

export interface PluginMeta {
  /** npm package name. */
  readonly name: string;
  readonly version: string;
}

export interface GatewayPlugin {
  /** Kebab-case id: the tap name, the logger name and the key under `plugins:`. */
  readonly name: string;
  readonly meta?: PluginMeta;
  /** Plugin names that must be applied before this one. */
  readonly dependencies?: readonly string[];
  /** Bucket the plugin before (`pre`) or after (`post`) the others. */
  readonly enforce?: "pre" | "post";
  apply(context: PluginContext): void | Promise<void>;
}

/** A plugin package's default export. */
export type PluginFactory<Options = any> = (options: Options) => GatewayPlugin;

export type PluginSource = "builtin" | "npm" | "file" | "inline";

/** What `mcpgw plugins` shows: one line per configured or bundled plugin. */
export interface PluginRecord {
  readonly specifier: string;
  readonly name?: string;
  readonly source: PluginSource | "unresolved";
  readonly packageName?: string;
  /** An npm plugin's installed package.json version, else the plugin's `meta.version`. */
  readonly version?: string;
  readonly location?: string;
  readonly status: "enabled" | "disabled" | "failed";
  readonly error?: string;
}

/** A plugin that comes with the gateway: loaded on demand, known by its id. */
export interface BuiltinPlugin {
  readonly load: () => Promise<{ default: PluginFactory }>;
  /** Modules the plugin imports lazily but will need at once in a mode: loaded with the preload. */
  readonly warm?: Partial<Record<GatewayMode, () => Promise<unknown>>>;
  /** Top-level config keys it owns: kept (with a warning) when the plugin is off. */
  readonly ownsKeys: readonly string[];
}

/** What the command line assembles a gateway from: the built-in table and the core plugins applied before all others. */
export interface GatewayAssembly {
  readonly builtins: ReadonlyMap<string, BuiltinPlugin>;
  /** In the order the default bundle applies them. */
  readonly defaultBundle: readonly string[];
  readonly core: readonly GatewayPlugin[];
  /** Starts loading every built-in's module (and what it needs in `mode`) before the config is read. */
  preload(mode: GatewayMode): void;
}

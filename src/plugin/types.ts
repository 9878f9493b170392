import type { DependencyContainer, InjectionToken } from "tsyringe";
import type { ConfigSchema } from "../config/model.js";
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
  /** Declares a top-level config key this plugin owns and the schema that validates it. */
  defineConfigKey(key: string, schema: ConfigSchema): void;
  /** Adds a `runtime.type` server entries can use. */
  defineRuntime<Options>(definition: RuntimeDefinition<Options>): void;
  /** Publishes a service to every plugin through the root container; a second provider of the same token is an error. */
  provide<T>(token: InjectionToken<T>, value: T): void;
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

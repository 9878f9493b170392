import type { InjectionToken } from "tsyringe";
import type { ConfigSchema, ServerDefinition } from "../config/model.js";
import type { GatewayPlugin, PluginContext } from "../plugin/types.js";
import type { RuntimeDefinition } from "../runtime/types.js";
import { GatewayError, errorMessage } from "./errors.js";
import type { Kernel } from "./Kernel.js";

export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const APPLY_TIMEOUT_MS = 10_000;

/** Checks the shape a factory returned, so a broken third-party plugin fails with its name. */
export function checkPlugin(value: unknown, specifier: string): GatewayPlugin {
  const plugin = value as Partial<GatewayPlugin> | undefined;
  if (!plugin || typeof plugin !== "object" || typeof plugin.apply !== "function") {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_INVALID",
      `Plugin '${specifier}': its factory must return an object with a name and an apply(context) function`,
      { plugin: specifier },
    );
  }
  if (typeof plugin.name !== "string" || !PLUGIN_NAME_PATTERN.test(plugin.name)) {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_INVALID",
      `Plugin '${specifier}' has an invalid name '${String(plugin.name)}': use kebab-case like 'my-runtime'`,
      { plugin: specifier },
    );
  }
  return plugin as GatewayPlugin;
}

/** `pre` plugins first, `post` last, config order otherwise; a plugin moves after the ones it depends on. */
export function orderPlugins(plugins: readonly GatewayPlugin[]): GatewayPlugin[] {
  const names = new Set<string>();
  for (const plugin of plugins) {
    if (names.has(plugin.name))
      throw new GatewayError(
        "MCPGW_ERR_PLUGIN_DUPLICATE",
        `Two plugins are named '${plugin.name}'; turn one off or rename it`,
        { plugin: plugin.name },
      );
    names.add(plugin.name);
  }
  for (const plugin of plugins) {
    for (const dependency of plugin.dependencies ?? []) {
      if (!names.has(dependency)) {
        throw new GatewayError(
          "MCPGW_ERR_PLUGIN_DEPENDENCY",
          `Plugin '${plugin.name}' needs plugin '${dependency}', which is not enabled; add it under plugins:`,
          { plugin: plugin.name },
        );
      }
    }
  }
  const bucket = (p: GatewayPlugin) => (p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1);
  const pending = [...plugins].sort((a, b) => bucket(a) - bucket(b));
  const ordered: GatewayPlugin[] = [];
  const placed = new Set<string>();
  while (pending.length > 0) {
    const index = pending.findIndex((p) => (p.dependencies ?? []).every((d) => placed.has(d)));
    if (index === -1) {
      throw new GatewayError(
        "MCPGW_ERR_PLUGIN_DEPENDENCY",
        `Plugins depend on each other in a cycle: ${pending.map((p) => p.name).join(", ")}`,
        { plugin: pending[0]!.name },
      );
    }
    const [next] = pending.splice(index, 1);
    ordered.push(next!);
    placed.add(next!.name);
  }
  return ordered;
}

/** Applies one plugin with its own child container and logger; errors come back naming the plugin. */
export async function applyPlugin(kernel: Kernel, plugin: GatewayPlugin, timeoutMs = APPLY_TIMEOUT_MS): Promise<void> {
  const container = kernel.container.createChildContainer();
  const context: PluginContext = {
    kernel,
    hooks: kernel.hooks,
    container,
    logger: kernel.logger.child({ plugin: plugin.name }),
    mode: kernel.mode,
    defineConfigKey: <T>(key: string, schema: ConfigSchema<T>) => {
      kernel.schemas.defineKey(key, schema, plugin.name);
      return { key, get: () => kernel.config.settings[key] as T };
    },
    defineServerKey: <T>(key: string, schema: ConfigSchema<T>) => {
      kernel.schemas.defineServerKey(key, schema, plugin.name);
      return { key, get: (server: ServerDefinition) => server.extensions?.[key] as T | undefined };
    },
    defineRuntime: <O>(definition: RuntimeDefinition<O>) => {
      kernel.schemas.defineRuntime(definition.type, definition.options, plugin.name, definition.sessionPerClient);
      kernel.hooks.runtime
        .for(definition.type)
        .tapPromise(plugin.name, (server, runtimeContext) => definition.create(server as never, runtimeContext));
    },
    provide: <T>(token: InjectionToken<T>, value: T) => {
      if (kernel.container.isRegistered(token, false)) {
        throw new GatewayError(
          "MCPGW_ERR_PROVIDER_CONFLICT",
          `Plugin '${plugin.name}' provides ${String(token)}, which another plugin already provides`,
          { plugin: plugin.name },
        );
      }
      kernel.container.register(token, { useValue: value });
    },
    use: <T>(token: InjectionToken<T>) => {
      if (!kernel.container.isRegistered(token, true)) {
        throw new GatewayError(
          "MCPGW_ERR_PLUGIN_DEPENDENCY",
          `Plugin '${plugin.name}' uses ${String(token)}, which no plugin provides (yet): enable the plugin that provides it, or use it in a later hook`,
          { plugin: plugin.name },
        );
      }
      return kernel.container.resolve(token);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new GatewayError(
            "MCPGW_ERR_PLUGIN_TIMEOUT",
            `Plugin '${plugin.name}' did not finish apply within ${timeoutMs / 1000} s; apply should only tap hooks`,
            { plugin: plugin.name },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([kernel.withPlugin(plugin.name, () => plugin.apply(context)), timeout]);
  } catch (error) {
    if (error instanceof GatewayError && error.subject.plugin === plugin.name) throw error;
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_APPLY",
      `Plugin '${plugin.name}' failed in apply: ${errorMessage(error)}`,
      { plugin: plugin.name, hook: "apply" },
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GatewayError, errorMessage } from "../kernel/errors.js";
import { closest } from "../config/issues.js";
import { closestInstalledPlugin } from "./installedPlugins.js";
import type { BuiltinPlugin, PluginFactory, PluginSource } from "./types.js";

export interface ResolvedPlugin {
  readonly factory: PluginFactory;
  readonly source: PluginSource;
  readonly packageName?: string;
  readonly version?: string;
  readonly location?: string;
}

const PREFIX = "mcpgw-plugin";

/** ESLint/Babel-style names: `x` → `mcpgw-plugin-x`, `@s/x` → `@s/mcpgw-plugin-x`, `@s` → `@s/mcpgw-plugin`, `module:x` → `x`. */
export function packageNameFor(specifier: string): string {
  if (specifier.startsWith("module:")) return specifier.slice("module:".length);
  if (specifier.startsWith("@")) {
    const [scope, name] = specifier.split("/", 2) as [string, string | undefined];
    if (!name) return `${scope}/${PREFIX}`;
    return name.startsWith(PREFIX) ? specifier : `${scope}/${PREFIX}-${name}`;
  }
  return specifier.startsWith(`${PREFIX}-`) ? specifier : `${PREFIX}-${specifier}`;
}

export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    path.isAbsolute(specifier) ||
    /^[A-Za-z]:[\\/]/.test(specifier)
  );
}

/** Finds a plugin's factory: builtin id first (nobody can shadow one), then a file, then an npm package from the config's folder. */
export async function resolvePlugin(
  specifier: string,
  configDir: string,
  builtins: ReadonlyMap<string, BuiltinPlugin>,
): Promise<ResolvedPlugin> {
  const builtin = builtins.get(specifier);
  if (builtin) return { factory: factoryOf(await builtin.load(), specifier), source: "builtin" };
  if (isPathSpecifier(specifier)) return resolveFile(specifier, configDir);
  return resolvePackage(specifier, configDir, builtins);
}

async function resolveFile(specifier: string, configDir: string): Promise<ResolvedPlugin> {
  const location = path.resolve(configDir, specifier);
  if (!existsSync(location)) {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_NOT_FOUND",
      `Plugin file not found: ${location} (a plugin path is relative to the config file's folder ${configDir})`,
      { plugin: specifier },
    );
  }
  return {
    factory: factoryOf(await importPlugin(pathToFileURL(location).href, specifier), specifier),
    source: "file",
    location,
  };
}

async function resolvePackage(
  specifier: string,
  configDir: string,
  builtins: ReadonlyMap<string, BuiltinPlugin>,
): Promise<ResolvedPlugin> {
  const packageName = packageNameFor(specifier);
  const parent = pathToFileURL(path.join(configDir, "noop.js")).href;
  let url: string;
  try {
    // Loaded on demand: most gateways use only built-in plugins.
    const { resolve: resolveModule } = await import("import-meta-resolve");
    url = resolveModule(packageName, parent);
  } catch (error) {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_NOT_FOUND",
      notFoundMessage(specifier, packageName, configDir, error, builtins),
      { plugin: specifier },
      { cause: error },
    );
  }
  const location = fileURLToPath(url);
  const manifest = findManifest(location, packageName);
  return {
    factory: factoryOf(await importPlugin(url, specifier), specifier),
    source: "npm",
    packageName,
    version: manifest?.version,
    location,
  };
}

function notFoundMessage(
  specifier: string,
  packageName: string,
  configDir: string,
  error: unknown,
  builtins: ReadonlyMap<string, BuiltinPlugin>,
): string {
  const tried = packageName === specifier ? `'${packageName}'` : `'${packageName}' (from '${specifier}')`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && code !== "ERR_MODULE_NOT_FOUND")
    return `Plugin package ${tried} could not be resolved from ${configDir}: ${errorMessage(error)}`;
  const installed = closestInstalledPlugin(specifier, configDir);
  if (installed?.packageName === packageName) {
    return `Plugin package ${tried} is installed but could not be loaded from ${configDir}: ${errorMessage(error)}`;
  }
  const builtin = closest(specifier, builtins.keys());
  const hints = [
    builtin ? `did you mean the built-in plugin '${builtin}'?` : undefined,
    installed
      ? `did you mean ${installed.key === installed.packageName ? "" : `'${installed.key}', `}the installed package '${installed.packageName}'?`
      : undefined,
    `install it next to the config with \`npm install ${packageName}\``,
    "or give a file path starting with ./",
  ].filter(Boolean);
  return `Plugin '${specifier}' not found: tried the package ${tried} from ${configDir}; ${hints.join(", ")}`;
}

async function importPlugin(url: string, specifier: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_INVALID",
      `Plugin '${specifier}' failed to load: ${errorMessage(error)}`,
      { plugin: specifier },
      { cause: error },
    );
  }
}

function factoryOf(module: unknown, specifier: string): PluginFactory {
  const candidate = (module as { default?: unknown }).default ?? module;
  if (typeof candidate !== "function") {
    throw new GatewayError(
      "MCPGW_ERR_PLUGIN_INVALID",
      `Plugin '${specifier}' must export a factory (options) => plugin as its default export`,
      { plugin: specifier },
    );
  }
  return candidate as PluginFactory;
}

/** The package.json of the package that holds `file`, for the version `mcpgw plugins` shows. */
function findManifest(file: string, packageName: string): { version?: string } | undefined {
  let dir = path.dirname(file);
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (manifest.name === packageName) return manifest;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

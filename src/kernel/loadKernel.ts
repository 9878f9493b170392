import { container as globalContainer, type DependencyContainer } from "../di/tsyringe.js";
import { ConfigError } from "../config/ConfigError.js";
import { defineCoreKeys } from "../config/coreSchema.js";
import { loadCatalogFile, loadConfigFile, searchConfig, type LoadedConfigFile } from "../config/explorer.js";
import type { ConfigIssue, GatewayConfig, PluginEntry } from "../config/model.js";
import { readPluginSection } from "../config/pluginSection.js";
import { issueAt, parseWithSchema } from "../config/schemaIssues.js";
import { substituteEnv } from "../config/substitute.js";
import { isPlainObject } from "./plainObject.js";
import { inServerEntry } from "../config/servers.js";
import { resolveCatalogPath, siteOf, validateConfig, type ConfigFileView } from "../config/validate.js";
import { PluginOptionsError } from "../plugin/definePlugin.js";
import { resolvePlugin, type ResolvedPlugin } from "../plugin/resolvePlugin.js";
import type { GatewayAssembly, GatewayPlugin, PluginRecord } from "../plugin/types.js";
import { GatewayError, errorMessage } from "./errors.js";
import type { ConfigEnv, ConfigReport, GatewayMode } from "./hooks.js";
import { Kernel } from "./Kernel.js";
import { createLogger, logLevelFromEnv, parseLogLevel, redactorOf, type Logger, type LogLevel } from "./logger.js";
import { Redactor } from "./redactor.js";
import { applyPlugin, checkPlugin, orderPlugins } from "./PluginHost.js";

export interface LoadGatewayOptions {
  readonly cwd?: string;
  /** Load exactly this file instead of searching. */
  readonly configFile?: string;
  readonly mode?: GatewayMode;
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line values that win over the file. */
  readonly overrides?: { readonly listen_addr?: string; readonly catalog_path?: string; readonly log_level?: string };
  /** Options merged over what the config gives a plugin (the CLI's `stdio --server` reaches stdio-frontend this way). */
  readonly pluginOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Use this logger instead of one on stderr (tests). */
  readonly logger?: Logger;
  /** A parent for the kernel's root container (tests); the tsyringe global is never written to. */
  readonly container?: DependencyContainer;
}

export interface LoadedGateway {
  /** Present when the config is valid: loaded, not started. */
  readonly kernel?: Kernel;
  readonly config?: GatewayConfig;
  readonly issues: readonly ConfigIssue[];
  readonly plugins: readonly PluginRecord[];
  /** The file in use; undefined when none was found. */
  readonly configFile?: string;
  /** Knows the secrets read so far, also when the config is invalid: what prints issues masks them with it. */
  readonly redactor: Redactor;
}

/**
 * Config → plugins → validation, collecting every problem instead of stopping at the first.
 * Nothing starts here: `kernel.start()` does that. What plugins exist, and which core plugins
 * come before them, is the caller's `assembly` (the command line's is src/gateway/builtins.ts).
 */
export async function loadKernel(options: LoadGatewayOptions, assembly: GatewayAssembly): Promise<LoadedGateway> {
  const BUILTIN_PLUGINS = assembly.builtins;
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const mode = options.mode ?? "serve";
  const issues: ConfigIssue[] = [];
  // Replaced by the logger's own once there is one; a config that cannot be read has no secrets yet.
  let redactor = new Redactor();
  const fail = (extra: readonly ConfigIssue[] = [], plugins: readonly PluginRecord[] = []): LoadedGateway => ({
    issues: [...issues, ...extra],
    plugins,
    configFile: file?.source.filepath,
    redactor,
  });

  assembly.preload(mode);
  let file: LoadedConfigFile | undefined;
  try {
    file = options.configFile ? await loadConfigFile(options.configFile) : await searchConfig(cwd);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.issues);
    throw error;
  }
  const source: ConfigFileView = file ?? { source: { dir: cwd, format: "none" }, raw: {} };
  if (!isPlainObject(source.raw))
    return fail([issueAt(siteOf(source), [], "The config must be a mapping of keys to values")]);
  const site = siteOf(source);
  const secrets = new Set<string>();
  const raw = substituteEnv(
    source.raw,
    { env, file: site.file, issues, used: secrets, localTo: inServerEntry },
    [],
  ) as Record<string, unknown>;
  for (const [key, value] of Object.entries(options.overrides ?? {})) if (value !== undefined) raw[key] = value;
  const catalogFromCli = options.overrides?.catalog_path !== undefined;
  if (catalogFromCli)
    raw.catalog_path = resolveCatalogPath(options.overrides!.catalog_path!, { dir: cwd, format: "none" });

  const logger = options.logger ?? createLogger(chooseLogLevel(options, env, raw, mode));
  redactor = redactorOf(logger) ?? redactor;
  redactor.add(secrets);
  if (!file)
    logger.info(
      `No config file found from ${cwd}; running with no servers. Add servers in mcpgw.config.yaml (servers: [{id, runtime: {type: local-process, command, args}}]) or pass --config FILE`,
    );

  let catalog: LoadedConfigFile | undefined;
  if (typeof raw.catalog_path === "string" && raw.catalog_path) {
    try {
      const loaded = await loadCatalogFile(resolveCatalogPath(raw.catalog_path, source.source));
      catalog = {
        ...loaded,
        raw: substituteEnv(
          loaded.raw,
          { env, file: loaded.source.filepath, issues, used: secrets, localTo: inServerEntry },
          [],
        ),
      };
      redactor.add(secrets);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const notFound = error.issues.find((issue) => issue.path[0] === "catalog_path");
      if (!notFound) issues.push(...error.issues);
      else if (catalogFromCli) issues.push({ severity: "error", path: [], message: `--catalog: ${notFound.message}` });
      else issues.push(issueAt(site, ["catalog_path"], notFound.message));
    }
  }

  const section = readPluginSection(raw, site, issues);
  const records: PluginRecord[] = [];
  const plugins: GatewayPlugin[] = [];
  const entries = pluginEntries(
    section.preset,
    withOverrides(section.entries, options.pluginOptions),
    assembly.defaultBundle,
  );
  // All at once, so their module loads overlap; taken in order below.
  const resolutions = entries.map((entry) =>
    entry.enabled && !entry.inline
      ? settled(resolvePlugin(entry.specifier, source.source.dir, BUILTIN_PLUGINS))
      : undefined,
  );
  for (const [index, entry] of entries.entries()) {
    if (!entry.enabled) {
      records.push({
        specifier: entry.specifier,
        name: BUILTIN_PLUGINS.has(entry.specifier) ? entry.specifier : undefined,
        source: BUILTIN_PLUGINS.has(entry.specifier) ? "builtin" : "unresolved",
        status: "disabled",
      });
      continue;
    }
    let resolved: ResolvedPlugin | undefined;
    try {
      resolved = entry.inline
        ? { factory: () => entry.inline as GatewayPlugin, source: "inline" }
        : outcome(await resolutions[index]!);
      const plugin = checkPlugin(resolved.factory(entry.options ?? {}), entry.specifier);
      plugins.push(plugin);
      records.push({
        specifier: entry.specifier,
        name: plugin.name,
        ...(plugin.meta?.version && { version: plugin.meta.version }),
        ...describe(resolved),
        status: "enabled",
      });
    } catch (error) {
      const path = ["plugins", entry.specifier];
      if (error instanceof PluginOptionsError) parseWithSchema(error.schema, entry.options ?? {}, site, path, issues);
      else issues.push(issueAt(site, section.entries.includes(entry) ? path : [], errorMessage(error)));
      records.push({
        specifier: entry.specifier,
        ...(resolved ? describe(resolved) : { source: "unresolved" as const }),
        status: "failed",
        error: errorMessage(error),
      });
    }
  }

  const kernel = new Kernel((options.container ?? globalContainer).createChildContainer(), logger, mode, redactor);
  kernel.plugins.push(...records);
  defineCoreKeys(kernel.schemas);
  kernel.schemas.unavailable.push(
    ...records.filter((record) => record.status === "failed").map((record) => record.name ?? record.specifier),
  );
  try {
    for (const plugin of [...assembly.core, ...orderPlugins(plugins)]) await applyPlugin(kernel, plugin);
    kernel.hooks.initialize.call();
  } catch (error) {
    markFailed(records, error);
    return fail([issueAt(site, [], errorMessage(error))], records);
  }

  const configEnv: ConfigEnv = { mode, cwd, env };
  const shaped = await kernel.hooks.config.promise(raw, configEnv);
  const active = new Set(plugins.map((plugin) => plugin.name));
  const inactiveKeyOwners = new Map<string, string>();
  const inactiveServerKeyOwners = new Map<string, string>();
  for (const [id, builtin] of BUILTIN_PLUGINS) {
    if (active.has(id)) continue;
    for (const key of builtin.ownsKeys) inactiveKeyOwners.set(key, id);
    for (const key of builtin.ownsServerKeys ?? []) inactiveServerKeyOwners.set(key, id);
  }

  const { config, issues: validation } = validateConfig({
    file: { ...source, raw: shaped },
    catalog,
    preset: section.preset,
    plugins: section.entries,
    registry: kernel.schemas,
    inactiveKeyOwners,
    inactiveServerKeyOwners,
    secrets: [...secrets],
  });
  issues.push(...validation);
  kernel.hooks.validate.call(config, reportInto(issues, site));
  if (issues.some((issue) => issue.severity === "error")) return fail([], records);

  kernel.setConfig(config);
  await kernel.hooks.configLoaded.promise(config);
  return { kernel, config, issues, plugins: records, configFile: file?.source.filepath, redactor };
}

type Settled<T> = { readonly value: T } | { readonly error: unknown };

function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function outcome<T>(result: Settled<T>): T {
  if ("error" in result) throw result.error;
  return result.value;
}

function withOverrides(entries: readonly PluginEntry[], overrides: LoadGatewayOptions["pluginOptions"]): PluginEntry[] {
  const out = [...entries];
  for (const [specifier, extra] of Object.entries(overrides ?? {})) {
    const index = out.findIndex((entry) => entry.specifier === specifier);
    const current = out[index];
    if (!current) out.push({ specifier, enabled: true, options: extra });
    else if (current.enabled) out[index] = { ...current, options: { ...(current.options as object), ...extra } };
  }
  return out;
}

/** The default bundle in its order (minus what the config turns off), then the config's own entries in file order. */
function pluginEntries(
  preset: "default" | "none",
  entries: readonly PluginEntry[],
  defaultBundle: readonly string[],
): PluginEntry[] {
  const configured = new Map(entries.map((entry) => [entry.specifier, entry]));
  const bundled =
    preset === "default"
      ? defaultBundle.map((id) => configured.get(id) ?? { specifier: id, enabled: true, options: {} })
      : [];
  return [...bundled, ...entries.filter((entry) => !bundled.includes(entry))];
}

function describe(resolved: ResolvedPlugin): Pick<PluginRecord, "source" | "packageName" | "version" | "location"> {
  return {
    source: resolved.source,
    ...(resolved.packageName && { packageName: resolved.packageName }),
    ...(resolved.version && { version: resolved.version }),
    ...(resolved.location && { location: resolved.location }),
  };
}

function markFailed(records: PluginRecord[], error: unknown): void {
  const plugin = error instanceof GatewayError ? error.subject.plugin : undefined;
  const index = records.findIndex((record) => record.name === plugin);
  if (index !== -1) records[index] = { ...records[index]!, status: "failed", error: errorMessage(error) };
}

function reportInto(issues: ConfigIssue[], site: ReturnType<typeof siteOf>): ConfigReport {
  return {
    error: (path, message) => issues.push(issueAt(site, path, message)),
    warn: (path, message) => issues.push(issueAt(site, path, message, "warning")),
    issues,
  };
}

function chooseLogLevel(
  options: LoadGatewayOptions,
  env: NodeJS.ProcessEnv,
  raw: Record<string, unknown>,
  mode: GatewayMode,
): LogLevel {
  return (
    parseLogLevel(options.overrides?.log_level) ??
    logLevelFromEnv(env) ??
    parseLogLevel(typeof raw.log_level === "string" ? raw.log_level : undefined) ??
    (mode === "stdio" ? "warn" : "info")
  );
}

import os from "node:os";
import path from "node:path";
import type { SourceDocument } from "./SourceDocument.js";
import { STRUCTURAL_KEYS } from "./coreSchema.js";
import { didYouMean, formatPath } from "./issues.js";
import type { ConfigIssue, ConfigSource, CoreSettings, GatewayConfig, PluginEntry, ServerDefinition } from "./model.js";
import type { SchemaRegistry } from "./SchemaRegistry.js";
import { issueAt, parseWithSchema, type IssueSite } from "./schemaIssues.js";
import { checkServer, desktopEntries, serverEntries, type RawServer, type ServerSite } from "./servers.js";
import { isPlainObject } from "../kernel/plainObject.js";
import { pathKey, unresolvedPathsOf, unsetVariablesUnder } from "./substitute.js";

/** A config or catalog file as read: where it is, what it holds, and its text for line lookups. */
export interface ConfigFileView {
  readonly source: ConfigSource;
  readonly raw: unknown;
  readonly document?: SourceDocument;
}

export interface ValidationInput {
  readonly file: ConfigFileView;
  readonly catalog?: ConfigFileView;
  readonly preset: "default" | "none";
  readonly plugins: readonly PluginEntry[];
  readonly registry: SchemaRegistry;
  /** Keys that belong to built-in plugins that are not enabled: ignored with a warning. */
  readonly inactiveKeyOwners: ReadonlyMap<string, string>;
  /** Server-entry fields of built-in plugins that are not enabled: ignored with a warning. */
  readonly inactiveServerKeyOwners: ReadonlyMap<string, string>;
  readonly secrets: readonly string[];
}

export function siteOf(file: Omit<ConfigFileView, "raw">): ServerSite {
  return {
    file: file.source.filepath,
    dir: file.source.dir,
    locate: file.document ? (p) => file.document!.locate(p) : undefined,
  };
}

/** Checks every key against the schema of its owner and builds the normalised config. */
export function validateConfig(input: ValidationInput): { config: GatewayConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const site = siteOf(input.file);
  const raw = isPlainObject(input.file.raw) ? input.file.raw : {};
  const settings: Record<string, unknown> = {};

  for (const [key, owned] of input.registry.keys) {
    const value = parseWithSchema(owned.schema, raw[key], site, [key], issues);
    if (value !== undefined) settings[key] = value;
  }
  const structural = new Set<string>(STRUCTURAL_KEYS);
  // A Claude Desktop / Cursor file holds the app's own settings beside mcpServers: those are not typos.
  const desktopFile = isPlainObject(raw.mcpServers);
  const ignored: string[] = [];
  for (const key of Object.keys(raw)) {
    if (structural.has(key) || input.registry.keys.has(key)) continue;
    const owner = input.inactiveKeyOwners.get(key);
    const hint = didYouMean(key, [...input.registry.keys.keys(), ...structural]);
    if (owner)
      issues.push(issueAt(site, [key], `'${key}' is ignored: its plugin '${owner}' is not enabled`, "warning"));
    else if (desktopFile && hint === "") ignored.push(key);
    else issues.push(issueAt(site, [key], `Unknown key '${key}'${hint}`));
  }
  if (ignored.length > 0)
    issues.push(
      issueAt(
        site,
        [ignored[0]!],
        `Ignoring ${ignored.map((key) => `'${key}'`).join(", ")}: not gateway settings (of the mcpServers entries' app, e.g. Claude Desktop)`,
        "warning",
      ),
    );

  const servers: ServerDefinition[] = [];
  const tree = input.file.raw;
  const raws = [
    ...serverEntries(raw.servers, site, ["servers"], issues).map((entry) => ({ entry, site, tree })),
    ...desktopEntries(raw.mcpServers, site, issues, input.registry).map((entry) => ({ entry, site, tree })),
  ];
  if (input.catalog) {
    const catalogSite = siteOf(input.catalog);
    const catalogRaw = input.catalog.raw;
    if (isPlainObject(catalogRaw)) {
      for (const key of Object.keys(catalogRaw)) {
        if (key !== "servers")
          issues.push(
            issueAt(
              catalogSite,
              [key],
              `Unknown key '${key}' in the catalog: a catalog holds only servers${didYouMean(key, ["servers"])}`,
            ),
          );
      }
      raws.push(
        ...serverEntries(catalogRaw.servers, catalogSite, ["servers"], issues).map((entry) => ({
          entry,
          site: catalogSite,
          tree: catalogRaw,
        })),
      );
    } else if (catalogRaw !== undefined && catalogRaw !== null) {
      issues.push(issueAt(catalogSite, [], "A catalog must be a mapping with a servers list"));
    }
  }
  const seen = new Map<string, RawServer>();
  for (const { entry, site: entrySite, tree: entryTree } of raws) {
    const unset = unsetVariablesUnder(entryTree, entry.path);
    const { id, server } = checkServer(entry, entrySite, input.registry, issues, input.inactiveServerKeyOwners, unset);
    // A repeated id is reported even when either entry has other problems: fixing those would not fix this.
    const first = id === undefined ? undefined : seen.get(id);
    if (first) {
      issues.push(issueAt(entrySite, entry.path, duplicateMessage(id!, first, entry)));
      continue;
    }
    if (id !== undefined) seen.set(id, entry);
    if (server) servers.push(server);
  }

  const config: GatewayConfig = {
    source: input.file.source,
    ...(input.catalog && { catalog: input.catalog.source }),
    preset: input.preset,
    plugins: input.plugins,
    settings: settings as CoreSettings & Record<string, unknown>,
    servers,
    secrets: input.secrets,
  };
  return { config, issues: withoutFollowOns(issues, [input.file, ...(input.catalog ? [input.catalog] : [])]) };
}

/** The original's wording, unless a slugged mcpServers name made the clash: then both names, so the user sees why. */
function duplicateMessage(id: string, first: RawServer, repeat: RawServer): string {
  if (first.name === undefined && repeat.name === undefined) return `Duplicate server ID: ${id}`;
  const label = (raw: RawServer) => `'${raw.name ?? raw.key ?? id}' (${formatPath(raw.path)})`;
  return `Duplicate server ID: ${id}, made from the names ${label(first)} and ${label(repeat)}; rename one`;
}

/** Drops errors about values that still hold an unresolved `${VAR}`: the substitution error already names the cause. */
function withoutFollowOns(issues: ConfigIssue[], files: readonly ConfigFileView[]): ConfigIssue[] {
  const byFile = new Map<string | undefined, ReadonlySet<string>>();
  for (const file of files) {
    const paths = unresolvedPathsOf(file.raw);
    if (paths) byFile.set(file.source.filepath, paths);
  }
  if (byFile.size === 0) return issues;
  return issues.filter((issue) => {
    const paths = byFile.get(issue.file);
    if (!paths || issue.severity !== "error") return true;
    if (paths.has(pathKey(issue.path))) return false;
    // mcpServers entries are rewritten: `mcpServers.x.url` is checked as `mcpServers.x.runtime.url`.
    const [root, name, runtime, ...rest] = issue.path;
    return !(root === "mcpServers" && runtime === "runtime" && paths.has(pathKey([root, name!, ...rest])));
  });
}

/** `catalog_path` is relative to the config file's folder; `~` is the home folder. */
export function resolveCatalogPath(catalogPath: string, source: ConfigSource): string {
  const expanded =
    catalogPath === "~" || catalogPath.startsWith("~/") ? path.join(os.homedir(), catalogPath.slice(1)) : catalogPath;
  return path.resolve(source.dir, expanded);
}

export type { IssueSite };

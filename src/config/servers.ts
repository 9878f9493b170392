import { SERVER_ID_PATTERN, serverFieldsSchema } from "./coreSchema.js";
import { didYouMean, formatPath } from "./issues.js";
import type { ConfigIssue, RuntimeSpec, ServerDefinition } from "./model.js";
import type { SchemaRegistry } from "./SchemaRegistry.js";
import { issueAt, parseWithSchema, type IssueSite } from "./schemaIssues.js";
import { isPlainObject } from "../kernel/plainObject.js";
import type { UnsetVariable } from "./substitute.js";

/** Where a group of server entries was written. */
export interface ServerSite extends IssueSite {
  readonly dir: string;
}

export interface RawServer {
  readonly entry: unknown;
  readonly path: readonly PropertyKey[];
  /** The id given by a map key (map form and mcpServers); list entries carry their own. */
  readonly key?: string;
  readonly index?: number;
  /** An mcpServers name that is not an id ("GitHub", "My Server"): `key` is its slug. */
  readonly name?: string;
}

/**
 * A stable id for a desktop app's server name: accents dropped, lowercase, every run of other
 * characters one '-'. "My Server" -> "my-server"; "" when nothing of the name is left.
 */
export function slugId(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+/, "")
    .replace(/-+$/, "");
}

/**
 * Whether a key path lies inside one server's entry (`servers` list or map, `mcpServers`), where an
 * unset variable makes only that server unavailable. A list entry's `id` is not: without it there is
 * no server to name.
 */
export function inServerEntry(path: readonly PropertyKey[]): boolean {
  return (path[0] === "servers" || path[0] === "mcpServers") && path.length >= 3 && path[2] !== "id";
}

/** Why a server whose entry names unset variables cannot start; what its start and calls answer. */
export function unavailableReason(id: string, unset: readonly UnsetVariable[]): string | undefined {
  if (unset.length === 0) return undefined;
  const names = [...new Set(unset.map((variable) => variable.name))];
  const where = unset.map((variable) => formatPath(variable.path)).join(", ");
  return names.length === 1
    ? `Server '${id}' is unavailable: environment variable '${names[0]}' is not set (${where})`
    : `Server '${id}' is unavailable: environment variables ${names.map((name) => `'${name}'`).join(", ")} are not set (${where})`;
}

/** `servers:` as the original's list or as a map of id to entry. */
export function serverEntries(
  value: unknown,
  site: ServerSite,
  basePath: readonly PropertyKey[],
  issues: ConfigIssue[],
): RawServer[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((entry, index) => ({ entry, index, path: [...basePath, index] }));
  if (isPlainObject(value))
    return Object.entries(value).map(([key, entry]) => ({ entry, key, path: [...basePath, key] }));
  issues.push(issueAt(site, basePath, "servers must be a list of server entries or a map of id to entry"));
  return [];
}

const DESKTOP_IGNORED = new Set(["autoApprove", "alwaysAllow"]);

/** The Claude Desktop / Cursor `mcpServers` map, rewritten into the gateway's own entries. */
export function desktopEntries(
  value: unknown,
  site: ServerSite,
  issues: ConfigIssue[],
  registry: SchemaRegistry,
): RawServer[] {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) {
    issues.push(
      issueAt(site, ["mcpServers"], "mcpServers must be a map of name to { command, args, env } or { url, headers }"),
    );
    return [];
  }
  const out: RawServer[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const path = ["mcpServers", name];
    if (!isPlainObject(entry)) {
      issues.push(issueAt(site, path, `Server '${name}' must be a mapping with command or url`));
      continue;
    }
    // The desktop apps take any name; ids appear in URLs and tool names, so other names are slugged.
    const key = SERVER_ID_PATTERN.test(name) ? name : slugId(name);
    if (key === "") {
      issues.push(
        issueAt(site, path, `Server name '${name}' has no letter or digit to make an id of: rename it in mcpServers`),
      );
      continue;
    }
    const renamed = key !== name;
    const { command, args, env, cwd, url, headers, type, disabled, disabledTools, ...rest } = entry;
    if (disabled === true) continue;
    for (const ignored of DESKTOP_IGNORED) delete rest[ignored];
    // The desktop apps' per-server tool switch is the tool filter's deny list (ignored without one).
    if (disabledTools !== undefined && registry.serverKeys.has("tools")) {
      const tools = isPlainObject(rest.tools) ? rest.tools : {};
      rest.tools = {
        ...tools,
        deny: [
          ...(Array.isArray(tools.deny) ? tools.deny : []),
          ...(Array.isArray(disabledTools) ? disabledTools : [disabledTools]),
        ],
      };
    }
    let runtime: Record<string, unknown>;
    if (command !== undefined) {
      runtime = {
        type: "local-process",
        command,
        ...(args !== undefined && { args }),
        ...(cwd !== undefined && { working_dir: cwd }),
      };
    } else if (url !== undefined) {
      const transport =
        type === "sse"
          ? "sse"
          : type === "http" || type === "streamable-http" || type === "streamableHttp"
            ? "streamable-http"
            : "auto";
      runtime = { type: "remote-sse", url, ...(headers !== undefined && { headers }), transport };
    } else {
      issues.push(
        issueAt(site, path, `Server '${name}' needs either command (a local process) or url (a remote server)`),
      );
      continue;
    }
    out.push({
      entry: {
        ...(renamed && { display_name: name }),
        ...rest,
        ...(env !== undefined && { env }),
        runtime,
      },
      key,
      path,
      ...(renamed && { name }),
    });
  }
  return out;
}

/** Checks one entry and builds its definition; problems go to `issues` in the original's wording. */
export function normalizeServer(
  raw: RawServer,
  site: ServerSite,
  registry: SchemaRegistry,
  issues: ConfigIssue[],
): ServerDefinition | undefined {
  return checkServer(raw, site, registry, issues).server;
}

/** As `normalizeServer`; `id` is set when the entry has a well-formed id, even if other fields are wrong. */
export function checkServer(
  raw: RawServer,
  site: ServerSite,
  registry: SchemaRegistry,
  issues: ConfigIssue[],
  inactiveKeyOwners: ReadonlyMap<string, string> = new Map(),
  unset: readonly UnsetVariable[] = [],
): { id?: string; server?: ServerDefinition } {
  const where = raw.index !== undefined ? `Server at index ${raw.index}` : `Server '${raw.name ?? raw.key}'`;
  if (!isPlainObject(raw.entry)) {
    issues.push(issueAt(site, raw.path, `${where} must be a mapping of fields`));
    return {};
  }
  const { id: givenId, runtime, ...fields } = raw.entry;
  const id = raw.key ?? givenId;
  if (id === undefined || id === null || id === "") {
    issues.push(issueAt(site, raw.path, `${where} missing required field: id`));
    return {};
  }
  if (raw.key !== undefined && givenId !== undefined && givenId !== raw.key) {
    issues.push(
      issueAt(
        site,
        [...raw.path, "id"],
        `Server '${raw.key}' has id '${String(givenId)}'; in the map form the key is the id, so drop the id field`,
      ),
    );
  }
  const validId = typeof id === "string" && SERVER_ID_PATTERN.test(id);
  if (!validId) {
    issues.push(
      issueAt(
        site,
        raw.key !== undefined ? raw.path : [...raw.path, "id"],
        `Invalid server ID: ${String(id)} (use lowercase letters, digits, '-' and '_', starting with a letter or digit)`,
      ),
    );
  }
  // The rest is checked even under a bad id: every problem in one run.
  const runtimeSpec = checkRuntime(String(id), runtime, [...raw.path, "runtime"], site, registry, issues);
  for (const [key, owner] of inactiveKeyOwners) {
    if (!(key in fields) || registry.serverKeys.has(key)) continue;
    issues.push(
      issueAt(site, [...raw.path, key], `'${key}' is ignored: its plugin '${owner}' is not enabled`, "warning"),
    );
    delete fields[key];
  }
  const extensions: Record<string, unknown> = {};
  let extensionsValid = true;
  for (const [key, owned] of registry.serverKeys) {
    if (!(key in fields)) continue;
    const value = parseWithSchema(owned.schema, fields[key], site, [...raw.path, key], issues);
    if (value === undefined) extensionsValid = false;
    else extensions[key] = value;
    delete fields[key];
  }
  const parsed = parseWithSchema(serverFieldsSchema, fields, site, raw.path, issues);
  if (!validId) return {};
  const unavailable = unavailableReason(id, unset);
  if (unavailable !== undefined && !(runtimeSpec && parsed && extensionsValid)) {
    // Its schema errors are about the unresolved values (dropped as follow-ons): it is listed, and refuses to start.
    const type = isPlainObject(runtime) ? String(runtime.type) : "unknown";
    return {
      id,
      server: {
        ...placeholder(id, { type }, site, raw.path, registry),
        ...(parsed?.display_name !== undefined && { display_name: parsed.display_name }),
        ...(parsed && { tags: parsed.tags }),
        unavailable,
      },
    };
  }
  if (!runtimeSpec || !parsed || !extensionsValid) return { id };
  const server: ServerDefinition = {
    id,
    ...(unavailable !== undefined && { unavailable }),
    display_name: parsed.display_name ?? id,
    ...(parsed.description !== undefined && { description: parsed.description }),
    tags: parsed.tags,
    runtime: runtimeSpec,
    env: parsed.env,
    ...(parsed.idle_timeout_seconds !== undefined && { idle_timeout_seconds: parsed.idle_timeout_seconds }),
    ...(parsed.request_timeout_seconds !== undefined && { request_timeout_seconds: parsed.request_timeout_seconds }),
    ...(parsed.start_timeout_seconds !== undefined && { start_timeout_seconds: parsed.start_timeout_seconds }),
    ...(parsed.min_uptime_seconds !== undefined && { min_uptime_seconds: parsed.min_uptime_seconds }),
    ...(parsed.max_session_instances !== undefined && { max_session_instances: parsed.max_session_instances }),
    isolation: parsed.isolation ?? (registry.runtimes.get(runtimeSpec.type)?.sessionPerClient ? "session" : "shared"),
    tool_prefix: parsed.tool_prefix ?? id,
    autostart: parsed.autostart,
    ...(parsed.roots !== undefined && { roots: parsed.roots }),
    ...(Object.keys(extensions).length > 0 && { extensions }),
    origin: { file: site.file, path: raw.path, dir: site.dir },
  };
  return { id, server };
}

function placeholder(
  id: string,
  runtime: RuntimeSpec,
  site: ServerSite,
  path: readonly PropertyKey[],
  registry: SchemaRegistry,
): ServerDefinition {
  return {
    id,
    display_name: id,
    tags: [],
    runtime,
    env: {},
    isolation: registry.runtimes.get(runtime.type)?.sessionPerClient ? "session" : "shared",
    tool_prefix: id,
    autostart: false,
    origin: { file: site.file, path, dir: site.dir },
  };
}

function checkRuntime(
  id: string,
  runtime: unknown,
  path: readonly PropertyKey[],
  site: IssueSite,
  registry: SchemaRegistry,
  issues: ConfigIssue[],
): RuntimeSpec | undefined {
  if (runtime === undefined || runtime === null) {
    issues.push(issueAt(site, path.slice(0, -1), `Server '${id}' missing required field: runtime`));
    return undefined;
  }
  if (!isPlainObject(runtime)) {
    issues.push(issueAt(site, path, `Server '${id}' runtime must be a mapping with a type`));
    return undefined;
  }
  const { type, ...options } = runtime;
  if (typeof type !== "string" || type === "") {
    issues.push(issueAt(site, path, `Server '${id}' missing required field: runtime.type`));
    return undefined;
  }
  const provider = registry.runtimes.get(type);
  if (!provider) {
    const known = [...registry.runtimes.keys()];
    const failed =
      registry.unavailable.length > 0
        ? ` (plugin ${registry.unavailable.map((name) => `'${name}'`).join(", ")} failed to load and may provide it)`
        : "";
    const hint =
      didYouMean(type, known) ||
      failed ||
      (known.length ? ` (known: ${known.join(", ")}; a plugin may provide it)` : " (no runtime plugin is enabled)");
    issues.push(issueAt(site, [...path, "type"], `Server '${id}' has unknown runtime type: ${type}${hint}`));
    return undefined;
  }
  const parsed = parseWithSchema(provider.schema, options, site, path, issues);
  return parsed === undefined ? undefined : { ...(parsed as Record<string, unknown>), type };
}

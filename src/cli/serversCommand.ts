import type { ConfigIssue } from "../config/model.js";
import { redactRuntime } from "../config/secrets.js";
import { coreTokens } from "../di/tokens.js";
import type { Kernel } from "../kernel/Kernel.js";
import { describeUriClash, indexResources } from "../mcp/resourceUris.js";
import { describeNameChange, NameMap, type NameChange } from "../mcp/toolNames.js";
import { renderTable } from "./table.js";

export interface RenamedItem {
  readonly kind: "tool" | "prompt" | "resource" | "resource template";
  readonly original: string;
  readonly exposed: string;
  readonly reason: NameChange["reason"];
  readonly clashesWith?: string;
}

/**
 * The tools and prompts whose aggregated name is not `<prefix><separator><name>` (characters or
 * length clients reject, or a name another server's tool holds), and the resource URIs and
 * templates another server's hold, per server id, read from the capability cache so nothing is
 * started: the same name map and resource index the aggregated endpoints use, fed in config order.
 * A server that never ran has nothing to show yet.
 */
export async function aggregatedRenames(kernel: Kernel): Promise<Map<string, RenamedItem[]>> {
  const supervisor = kernel.container.resolve(coreTokens.supervisor);
  const { tool_name_separator: separator, max_tool_name_length: maxLength } = kernel.config.settings;
  const renamed = new Map(kernel.config.servers.map((server) => [server.id, [] as RenamedItem[]]));
  const snapshots = await Promise.all(kernel.config.servers.map((server) => supervisor.capabilities(server.id)));
  for (const kind of ["tool", "prompt"] as const) {
    const names = new NameMap({ separator, maxLength }, ({ server, ...change }) =>
      renamed.get(server)!.push({ kind, ...change }),
    );
    kernel.config.servers.forEach((server, index) => {
      for (const item of snapshots[index]?.[kind === "tool" ? "tools" : "prompts"] ?? []) {
        names.expose(server.id, server.tool_prefix, String(item.name));
      }
    });
  }
  const listed = snapshots.filter((snapshot) => snapshot !== undefined);
  for (const { server, ...clash } of indexResources(listed).clashes)
    renamed.get(server)!.push({ ...clash, reason: "clash" });
  return renamed;
}

/** Aggregated names that clash, as warnings on the server entries `mcpgw validate` prints. */
export async function nameClashIssues(kernel: Kernel): Promise<ConfigIssue[]> {
  const renamed = await aggregatedRenames(kernel);
  const maxLength = kernel.config.settings.max_tool_name_length;
  return kernel.config.servers.flatMap((server) =>
    renamed
      .get(server.id)!
      .filter((item) => item.reason === "clash")
      .map((item) => ({
        severity: "warning" as const,
        ...(server.origin.file !== undefined && { file: server.origin.file }),
        path: server.origin.path,
        message:
          item.kind === "tool" || item.kind === "prompt"
            ? describeNameChange(item.kind, { server: server.id, ...item }, maxLength)
            : describeUriClash({ ...item, kind: item.kind, server: server.id, clashesWith: item.clashesWith! }),
      })),
  );
}

/**
 * `mcpgw servers`: each definition (runtime redacted, env keys only), and the tools and prompts
 * renamed on the aggregated endpoints; all of it through the redactor.
 */
export async function serversReport(kernel: Kernel, json: boolean): Promise<string> {
  return kernel.redactor.text(await serversText(kernel, json));
}

async function serversText(kernel: Kernel, json: boolean): Promise<string> {
  const renamed = await aggregatedRenames(kernel);
  const maxLength = kernel.config.settings.max_tool_name_length;
  const entries = kernel.config.servers.map((server) => ({ server, renamed: renamed.get(server.id)! }));
  if (json) {
    return `${JSON.stringify(
      entries.map(({ server: { origin: _origin, env, runtime, ...server }, renamed }) => ({
        ...server,
        runtime: redactRuntime(runtime, kernel.redactor),
        env: Object.keys(env),
        renamed,
      })),
      null,
      2,
    )}\n`;
  }
  const rows = entries.map(({ server }) => ({
    id: server.id,
    name: server.display_name,
    runtime: server.runtime.type,
    tags: server.tags.join(", "),
  }));
  // A name column only when it says more than the ids (display_name set, or a desktop app's name slugged).
  const named = rows.some((row) => row.name !== row.id);
  const table = renderTable(named ? ["id", "name", "runtime", "tags"] : ["id", "runtime", "tags"], rows);
  const renames = entries.flatMap(({ server, renamed }) =>
    renamed.map(
      (item) =>
        `  ${server.id}  ${item.kind} ${item.original}  ->  ${item.exposed}${item.reason === "clash" ? `  (clashes with ${item.clashesWith})` : ""}`,
    ),
  );
  const unavailable = entries.flatMap(({ server }) => (server.unavailable ? [`  ${server.unavailable}`] : []));
  return [
    table,
    ...(unavailable.length > 0 ? [`\n${unavailable.join("\n")}\n`] : []),
    ...(renames.length > 0
      ? [
          `\nRenamed on the aggregated endpoints (to fit A-Z a-z 0-9 _ -, at most ${maxLength} characters, or to stay distinct):\n${renames.join("\n")}\n`,
        ]
      : []),
  ].join("");
}

import { coreTokens } from "../di/tokens.js";
import type { Kernel } from "../kernel/Kernel.js";
import { exposedName } from "../mcp/toolNames.js";
import { renderTable } from "./table.js";

export interface RenamedItem {
  readonly kind: "tool" | "prompt";
  readonly original: string;
  readonly exposed: string;
}

/**
 * `mcpgw servers`: each definition, and the tools and prompts whose aggregated name differs from
 * `<prefix><separator><name>` (characters or length clients reject), read from the capability
 * cache so nothing is started. A server that never ran has nothing to show yet.
 */
export async function serversReport(kernel: Kernel, json: boolean): Promise<string> {
  const supervisor = kernel.container.resolve(coreTokens.supervisor);
  const { tool_name_separator: separator, max_tool_name_length: maxLength } = kernel.config.settings;
  const entries = await Promise.all(
    kernel.config.servers.map(async (server) => {
      const snapshot = await supervisor.capabilities(server.id);
      const renamed: RenamedItem[] = [];
      for (const kind of ["tool", "prompt"] as const) {
        for (const item of snapshot?.[kind === "tool" ? "tools" : "prompts"] ?? []) {
          const original = String(item.name);
          const exposed = exposedName(server.tool_prefix, original, { separator, maxLength });
          if (exposed !== `${server.tool_prefix}${separator}${original}`) renamed.push({ kind, original, exposed });
        }
      }
      return { server, renamed };
    }),
  );
  if (json) {
    return `${JSON.stringify(
      entries.map(({ server: { origin: _origin, env, ...server }, renamed }) => ({
        ...server,
        env: Object.keys(env),
        renamed,
      })),
      null,
      2,
    )}\n`;
  }
  const table = renderTable(
    ["id", "runtime", "tags"],
    entries.map(({ server }) => ({ id: server.id, runtime: server.runtime.type, tags: server.tags.join(", ") })),
  );
  const renames = entries.flatMap(({ server, renamed }) =>
    renamed.map((item) => `  ${server.id}  ${item.kind} ${item.original}  ->  ${item.exposed}`),
  );
  return renames.length === 0
    ? table
    : `${table}\nRenamed on the aggregated endpoints (to fit A-Z a-z 0-9 _ -, at most ${maxLength} characters):\n${renames.join("\n")}\n`;
}

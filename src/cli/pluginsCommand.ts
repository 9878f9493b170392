import type { PluginRecord } from "../plugin/types.js";
import { gatewayVersion } from "../version.js";
import { renderTable } from "./table.js";

/** A built-in plugin ships inside the gateway, so its version is the gateway's. */
function withVersion(record: PluginRecord): PluginRecord {
  return record.source === "builtin" ? { ...record, version: gatewayVersion() } : record;
}

/** `mcpgw plugins`: each configured or bundled plugin, its version, where it came from, and whether it is on. */
export function pluginsReport(records: readonly PluginRecord[], json: boolean): string {
  const plugins = records.map(withVersion);
  if (json) return `${JSON.stringify(plugins, null, 2)}\n`;
  const rows = plugins.map((plugin) => ({
    id: plugin.name ?? plugin.specifier,
    version: plugin.version ?? "-",
    from:
      plugin.source === "npm"
        ? `npm ${plugin.packageName}`
        : plugin.source === "file"
          ? `file ${plugin.location}`
          : plugin.source,
    status: plugin.status === "failed" ? `failed: ${plugin.error}` : plugin.status,
  }));
  return renderTable(["id", "version", "from", "status"], rows);
}

import type { ConfigIssue, PluginEntry } from "./model.js";
import { issueAt, type IssueSite } from "./schemaIssues.js";
import { isPlainObject } from "../kernel/plainObject.js";

/** Reads `preset:` and `plugins:` (a map of specifier to options, `false` to turn one off). */
export function readPluginSection(
  raw: Record<string, unknown>,
  site: IssueSite,
  issues: ConfigIssue[],
): { preset: "default" | "none"; entries: PluginEntry[] } {
  const preset = raw.preset ?? "default";
  if (preset !== "default" && preset !== "none") {
    issues.push(
      issueAt(
        site,
        ["preset"],
        `Unknown preset '${String(preset)}': use 'default' (every built-in plugin) or 'none' (an empty kernel)`,
      ),
    );
  }
  const entries: PluginEntry[] = [];
  const section = raw.plugins;
  if (section !== undefined && section !== null && !isPlainObject(section)) {
    issues.push(
      issueAt(site, ["plugins"], "plugins must be a map of plugin name to its options (or false to turn it off)"),
    );
  } else if (section) {
    for (const [specifier, value] of Object.entries(section)) {
      if (value === false) entries.push({ specifier, enabled: false, options: undefined });
      else if (value === true || value === null || value === undefined)
        entries.push({ specifier, enabled: true, options: {} });
      else if (isPlainObject(value) || isPluginObject(value)) {
        entries.push(
          isPluginObject(value)
            ? { specifier, enabled: true, options: undefined, inline: value }
            : { specifier, enabled: true, options: value },
        );
      } else {
        issues.push(
          issueAt(
            site,
            ["plugins", specifier],
            `Plugin '${specifier}' takes a map of options, true, or false to turn it off`,
          ),
        );
      }
    }
  }
  return { preset: preset === "none" ? "none" : "default", entries };
}

/** JS/TS configs may hand over a plugin object instead of naming a package. */
export function isPluginObject(value: unknown): value is { name: string; apply: (...args: unknown[]) => unknown } {
  return typeof value === "object" && value !== null && typeof (value as { apply?: unknown }).apply === "function";
}

import { readdirSync } from "node:fs";
import path from "node:path";
import { closest } from "../config/issues.js";

const PREFIX = "mcpgw-plugin";

/**
 * Plugin packages installed where a package specifier would be resolved from `dir`: `mcpgw-plugin-*`
 * and `@scope/mcpgw-plugin*` in every node_modules folder from `dir` up to the root. Only read when a
 * plugin was not found, to suggest what the user probably meant.
 */
export function installedPluginPackages(dir: string): string[] {
  const found = new Set<string>();
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const modules = path.join(current, "node_modules");
    for (const entry of entriesOf(modules)) {
      if (entry.startsWith(`${PREFIX}-`)) found.add(entry);
      else if (entry.startsWith("@"))
        for (const inner of entriesOf(path.join(modules, entry)))
          if (inner.startsWith(PREFIX)) found.add(`${entry}/${inner}`);
    }
    if (path.dirname(current) === current) return [...found].sort();
  }
}

/** The key a config would use for a package: `mcpgw-plugin-x` → `x`, `@s/mcpgw-plugin-x` → `@s/x`, `@s/mcpgw-plugin` → `@s`. */
export function shorthandFor(packageName: string): string {
  const [scope, name] = packageName.startsWith("@")
    ? (packageName.split("/", 2) as [string, string])
    : [undefined, packageName];
  if (scope === undefined) return name.slice(`${PREFIX}-`.length);
  if (name === PREFIX) return scope;
  return name.startsWith(`${PREFIX}-`) ? `${scope}/${name.slice(`${PREFIX}-`.length)}` : packageName;
}

/**
 * The installed plugin package `specifier` was probably meant to name, compared by shorthand and by
 * full name (whichever the user wrote), with the key that would load it.
 */
export function closestInstalledPlugin(
  specifier: string,
  dir: string,
): { readonly packageName: string; readonly key: string } | undefined {
  const byKey = new Map<string, string>();
  for (const packageName of installedPluginPackages(dir)) {
    byKey.set(packageName, packageName);
    byKey.set(shorthandFor(packageName), packageName);
  }
  const key = closest(specifier, byKey.keys());
  return key === undefined ? undefined : { packageName: byKey.get(key)!, key };
}

function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    // No such folder (the usual case on the way up), or one we may not read: nothing installed there.
    return [];
  }
}

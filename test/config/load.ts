import "reflect-metadata";
import path from "node:path";
import { sortIssues } from "../../src/cli/main.js";
import { formatPath } from "../../src/config/issues.js";
import type { ConfigIssue } from "../../src/config/model.js";
import { loadGateway, type LoadedGateway } from "../../src/gateway/loadGateway.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { captureLogs, type CapturedLogs } from "../helpers/logs.js";

export interface LoadResult {
  readonly dir: string;
  readonly loaded: LoadedGateway;
  readonly logs: CapturedLogs;
}

export interface LoadOptions {
  /** Folder (relative to the temp dir) to search from / resolve --catalog against. */
  readonly cwd?: string;
  /** Load exactly this file (relative to the temp dir), as --config does. */
  readonly configFile?: string;
  readonly env?: Record<string, string>;
  readonly catalog?: string;
  /** Write no package.json at the temp root (it stops the upward search there). */
  readonly noPackageJson?: boolean;
}

/** Writes `files` into a fresh folder (with a package.json at its root) and loads the gateway from it. */
export async function loadFrom(
  t: { after(fn: () => void): void },
  files: Record<string, string>,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const dir = tempDir(t);
  writeFiles(dir, { ...(options.noPackageJson ? {} : { "package.json": "{}\n" }), ...files });
  const logs = captureLogs();
  const loaded = await loadGateway({
    cwd: path.join(dir, options.cwd ?? ""),
    env: options.env ?? {},
    mode: "inspect",
    logger: logs.logger,
    ...(options.configFile !== undefined && { configFile: path.join(dir, options.configFile) }),
    ...(options.catalog !== undefined && { overrides: { catalog_path: options.catalog } }),
  });
  return { dir, loaded, logs };
}

/** `file:line key.path: message` (file relative to `dir`, no column), for exact comparisons; lists are in `mcpgw validate`'s order (by file, then line). */
export function describeIssue(issue: ConfigIssue, dir: string): string {
  const file = issue.file ? path.relative(dir, issue.file) : "-";
  const line = issue.line !== undefined ? `:${issue.line}` : "";
  const prefix = issue.severity === "warning" ? "warning: " : "";
  const key = issue.path.length > 0 ? ` ${formatPath(issue.path)}` : "";
  return `${file}${line}${key}: ${prefix}${issue.message}`;
}

export function errorsOf(result: LoadResult): string[] {
  return sortIssues(result.loaded.issues)
    .filter((issue) => issue.severity === "error")
    .map((issue) => describeIssue(issue, result.dir));
}

export function warningsOf(result: LoadResult): string[] {
  return sortIssues(result.loaded.issues)
    .filter((issue) => issue.severity === "warning")
    .map((issue) => describeIssue(issue, result.dir));
}

/** The servers' ids in order, failing loudly (with the problems) when the config did not load. */
export function serverIds(result: LoadResult): string[] {
  if (!result.loaded.config) throw new Error(`config did not load:\n${errorsOf(result).join("\n")}`);
  return result.loaded.config.servers.map((server) => server.id);
}

export const PROCESS = (command = "node") => `{ type: local-process, command: ${command} }`;

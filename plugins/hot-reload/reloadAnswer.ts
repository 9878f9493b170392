import { formatIssue, type ReloadResult } from "open-mcp-gateway";

/**
 * POST /admin/reload's answer: the original's (`status`, `message`, `servers_loaded`,
 * `servers_added`, `servers_removed`) plus the other counts and the ids. A refused config is
 * 422 with every problem (file, line, key path); the running config stays.
 */
export function reloadAnswer(result: ReloadResult, cwd: string): { status: number; body: Record<string, unknown> } {
  if (result.issues.length > 0)
    return {
      status: 422,
      body: {
        error: "Unprocessable Entity",
        message: `Failed to reload config: ${result.error}; the running config stays in force`,
        problems: result.issues.map((issue) => ({
          ...(issue.file !== undefined && { file: issue.file }),
          ...(issue.line !== undefined && { line: issue.line }),
          key: issue.path.map(String).join("."),
          message: issue.message,
          text: formatIssue(issue, cwd),
        })),
      },
    };
  return {
    status: 200,
    body: {
      status: "ok",
      message: "Config reloaded",
      servers_loaded: result.serversLoaded,
      servers_added: result.added.length,
      servers_removed: result.removed.length,
      servers_modified: result.modified.length,
      servers_unchanged: result.unchanged.length,
      servers: { added: result.added, removed: result.removed, modified: result.modified },
      restart_required: result.restartRequired,
      ...(result.error !== undefined && { warnings: [result.error] }),
    },
  };
}

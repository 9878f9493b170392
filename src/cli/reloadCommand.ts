import { readFile } from "node:fs/promises";
import type { GatewayConfig } from "../config/model.js";
import { errorMessage } from "../kernel/errors.js";
import { pidFilePath } from "../supervisor/stateDir.js";

export interface ReloadReport {
  readonly ok: boolean;
  /** How the gateway was asked: its HTTP admin route, or SIGHUP to the pid in its pid file. */
  readonly via: "http" | "signal";
  readonly text: string;
  readonly answer?: unknown;
}

/**
 * `mcpgw reload`: asks the gateway serving `config` to reload it. POST /admin/reload at its
 * listen address (with an admin key: --api-key, MCP_GATEWAY_API_KEY, or the config's); when
 * nothing answers there (or the port is 0), SIGHUP to the pid its pid file names.
 */
export async function requestReload(
  config: GatewayConfig,
  apiKey: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ReloadReport> {
  const url = adminUrl(config.settings.listen_addr);
  if (url) {
    const key = apiKey ?? env.MCP_GATEWAY_API_KEY ?? adminKey(config);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: key ? { authorization: `Bearer ${key}` } : {},
        signal: AbortSignal.timeout(60_000),
      });
      const answer = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      return { ok: response.ok, via: "http", text: describe(response.status, answer), answer };
    } catch (error) {
      if (!refused(error)) return { ok: false, via: "http", text: `POST ${url} failed: ${errorMessage(error)}` };
    }
  }
  return signal(config, env, url);
}

async function signal(config: GatewayConfig, env: NodeJS.ProcessEnv, tried: string | undefined): Promise<ReloadReport> {
  const file = pidFilePath(config, env);
  const nothing = tried ? `nothing answers at ${tried}, and ` : "";
  let pid: number;
  try {
    pid = Number((await readFile(file, "utf8")).trim());
  } catch {
    return { ok: false, via: "signal", text: `No gateway found: ${nothing}there is no pid file ${file}` };
  }
  try {
    process.kill(pid, "SIGHUP");
  } catch (error) {
    return {
      ok: false,
      via: "signal",
      text: `${nothing}pid ${pid} (from ${file}) cannot be signalled: ${errorMessage(error)}`,
    };
  }
  return { ok: true, via: "signal", text: `Sent SIGHUP to the gateway (pid ${pid}); its log shows the outcome` };
}

/** The admin URL at a listen address; a wildcard host is reached on loopback; port 0 has no address to reach. */
function adminUrl(listenAddr: unknown): string | undefined {
  if (typeof listenAddr !== "string") return undefined;
  const match = /^(.*):(\d+)$/.exec(listenAddr);
  if (!match || match[2] === "0") return undefined;
  const host = match[1] === "0.0.0.0" ? "127.0.0.1" : match[1] === "[::]" ? "[::1]" : match[1];
  return `http://${host}:${match[2]}/admin/reload`;
}

/** The config's own key with the admin scope: `api_key`, else the first of `api_keys` holding admin (or every scope). */
function adminKey(config: GatewayConfig): string | undefined {
  if (typeof config.settings.api_key === "string" && config.settings.api_key) return config.settings.api_key;
  const keys = (config.settings.api_keys ?? []) as Array<{ key: string; scopes?: readonly string[] }>;
  return keys.find((key) => !key.scopes || key.scopes.includes("admin") || key.scopes.includes("*"))?.key;
}

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNREFUSED";
}

function describe(status: number, answer: Record<string, unknown> | undefined): string {
  if (status === 200 && answer) {
    const restart = (answer.restart_required as string[] | undefined) ?? [];
    return (
      `Config reloaded: ${String(answer.servers_loaded)} servers (added ${String(answer.servers_added)}, removed ${String(answer.servers_removed)}, modified ${String(answer.servers_modified)}, unchanged ${String(answer.servers_unchanged)})` +
      (restart.length > 0 ? `; restart required for: ${restart.join(", ")}` : "")
    );
  }
  const problems = (answer?.problems as Array<{ text: string }> | undefined) ?? [];
  return [
    `Reload refused (HTTP ${status}): ${String(answer?.message ?? "no answer")}`,
    ...problems.map((problem) => `  ${problem.text}`),
  ].join("\n");
}

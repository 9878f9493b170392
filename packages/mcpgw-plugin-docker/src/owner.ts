import { readFileSync } from "node:fs";
import os from "node:os";

/** Labels every container the plugin creates carries: which gateway process owns it, and for which server. */
export const LABELS = {
  managed: "io.mcpgw.managed",
  host: "io.mcpgw.host",
  gateway: "io.mcpgw.gateway",
  server: "io.mcpgw.server",
} as const;

/**
 * A gateway process, as `<pid>:<start time>` on its host: the start time (from /proc, in clock ticks
 * since boot) tells a live owner from a new process that got the same pid after the owner died.
 */
export function gatewayIdentity(pid: number = process.pid): string {
  return `${pid}:${processStartTime(pid) ?? ""}`;
}

/** Whether the gateway `identity` names still runs on this host. */
export function isOwnerAlive(identity: string): boolean {
  const [pidText, started] = identity.split(":", 2);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !started || processStartTime(pid) === started;
}

export function hostName(): string {
  return os.hostname();
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, counted after the parenthesised command name (which may itself hold spaces).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

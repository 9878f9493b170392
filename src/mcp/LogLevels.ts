import type { Result } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage } from "../kernel/errors.js";
import type { Logger } from "../kernel/logger.js";
import type { Supervisor } from "../supervisor/Supervisor.js";
import type { FrontSession } from "./FrontSession.js";

export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

function mostVerbose(levels: Array<string | undefined>): string | undefined {
  const known = levels.filter((level): level is string => level !== undefined && LOG_LEVELS.includes(level));
  return known.sort((a, b) => LOG_LEVELS.indexOf(a) - LOG_LEVELS.indexOf(b))[0];
}

/**
 * Log level: kept per session (messages are filtered per session) and passed on to the running
 * backends that log. A shared backend gets the most verbose level any of its sessions asked for,
 * so one client's "error" does not silence another's "debug".
 */
export class LogLevels {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly sessions: () => Iterable<FrontSession>,
    private readonly isIsolated: (server: string) => boolean,
    private readonly logger: Logger,
  ) {}

  async set(
    session: FrontSession,
    level: string,
    send: (server: string, level: string) => Promise<Result>,
  ): Promise<void> {
    session.logLevel = level;
    const servers = session.info.server !== undefined ? [session.info.server] : this.supervisor.ids();
    await Promise.all(
      servers.map(async (server) => {
        if (this.supervisor.get(server).status !== "running") return;
        const snapshot = await this.supervisor.capabilities(server);
        if (!snapshot?.initialize.capabilities.logging) return;
        const wanted = this.isIsolated(server)
          ? level
          : mostVerbose([...this.sessions()].filter((other) => other.sees(server)).map((other) => other.logLevel));
        await send(server, wanted ?? level).catch((error) =>
          this.logger.debug({ server }, `logging/setLevel failed: ${errorMessage(error)}`),
        );
      }),
    );
  }
}

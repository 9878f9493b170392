import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { LoggingLevel, Result } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage } from "../kernel/errors.js";
import type { Logger } from "../kernel/logger.js";
import type { InitializeSummary } from "../supervisor/CapabilityCache.js";
import type { Supervisor } from "../supervisor/Supervisor.js";
import type { FrontSession } from "./FrontSession.js";

/** A backend that does not answer its log level quickly still starts: the level is a courtesy. */
const REPLAY_TIMEOUT_MS = 5_000;

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

  /**
   * A backend that logs has just started: it is told the level its sessions asked for before it ran
   * (the most verbose, or its one session's for an isolated backend). A failure is logged, not thrown.
   */
  async replay(
    server: string,
    owner: string | undefined,
    client: Client,
    initialize: InitializeSummary,
  ): Promise<void> {
    if (!initialize.capabilities.logging) return;
    const sessions = [...this.sessions()].filter((session) =>
      owner === undefined ? session.sees(server) : session.id === owner,
    );
    const wanted = mostVerbose(sessions.map((session) => session.logLevel));
    if (wanted === undefined) return;
    try {
      await client.setLoggingLevel(wanted as LoggingLevel, { timeout: REPLAY_TIMEOUT_MS });
    } catch (error) {
      this.logger.debug({ server }, `logging/setLevel after start failed: ${errorMessage(error)}`);
    }
  }

  async set(
    session: FrontSession,
    level: string,
    send: (server: string, level: string) => Promise<Result>,
  ): Promise<void> {
    session.logLevel = level;
    const servers = this.supervisor.ids().filter((server) => session.sees(server));
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

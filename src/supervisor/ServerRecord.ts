import type { CoreSettings, ServerDefinition } from "../config/model.js";
import type { ServerStatus } from "../kernel/hooks.js";
import { BackendError } from "../protocol/BackendError.js";
import { backoffDelayMs, FAILURES_BEFORE_FAILED } from "./backoff.js";
import type { BackendInstance } from "./BackendInstance.js";

/** The key of a server's shared instance in `instances`; session instances use the session id. */
export const SHARED = "";

/**
 * Everything the supervisor keeps about one server id across starts: its definition, counters,
 * restart backoff, and its instances (one shared, or one per client session).
 */
export class ServerRecord {
  readonly instances = new Map<string, BackendInstance>();
  requestCount = 0;
  errorCount = 0;
  restarts = 0;
  lastActivity?: Date;
  lastError?: string;
  /** Set by a reload that restarts the server: the old backends finishing their calls; a new start waits for it. */
  handover?: Promise<void>;
  #failures = 0;
  #retryAt = 0;

  constructor(
    public definition: ServerDefinition,
    public settings: CoreSettings,
  ) {}

  get id(): string {
    return this.definition.id;
  }
  get requestTimeoutMs(): number {
    return (this.definition.request_timeout_seconds ?? this.settings.request_timeout_seconds) * 1000;
  }
  /** The budget of one start: spawn or connect, plus MCP initialize. */
  get startTimeoutMs(): number {
    return (this.definition.start_timeout_seconds ?? this.settings.start_timeout_seconds) * 1000;
  }
  /** 0 means never stop for idleness. */
  get idleTimeoutMs(): number {
    return (this.definition.idle_timeout_seconds ?? this.settings.idle_timeout_seconds) * 1000;
  }
  /** A backend that exits sooner than this after a successful start counts as a failed start. */
  get minUptimeMs(): number {
    return (this.definition.min_uptime_seconds ?? this.settings.min_uptime_seconds) * 1000;
  }
  get maxSessionInstances(): number {
    return this.definition.max_session_instances ?? this.settings.max_session_instances;
  }
  get healthIntervalMs(): number {
    return this.settings.health_check_interval_seconds * 1000;
  }
  /** The instance key for a caller: the session for `isolation: session`, else the shared one. */
  instanceKey(session: string | undefined): string {
    return this.definition.isolation === "session" && session ? session : SHARED;
  }

  touch(): void {
    this.lastActivity = new Date();
  }
  requestStarted(): void {
    this.requestCount += 1;
  }
  errorSeen(): void {
    this.errorCount += 1;
  }

  /**
   * `restart` when the instance ran before: a client session's first backend session is no restart.
   * The failure count stays until the backend has run for min_uptime_seconds (see `ended`).
   */
  startSucceeded(restart: boolean): void {
    if (restart) this.restarts += 1;
    this.#retryAt = 0;
    this.lastError = undefined;
  }

  /**
   * A running backend ended after `uptimeMs`: by itself (`crash` given) or stopped by the gateway.
   * One that lived min_uptime_seconds forgives earlier failures; one that crashed sooner counts as
   * a failed start, so a backend that answers initialize and exits cannot be respawned per request.
   * Returns the status the instance shows now.
   */
  ended(uptimeMs: number, crash?: Error): ServerStatus {
    if (uptimeMs >= this.minUptimeMs) this.#failures = 0;
    else if (crash) return this.startFailed(crash);
    if (crash) this.errorSeen();
    return "stopped";
  }

  /** Records a failed start and arms the backoff; returns the status the instance shows meanwhile. */
  startFailed(error: Error): ServerStatus {
    this.errorCount += 1;
    this.#failures += 1;
    this.#retryAt = Date.now() + backoffDelayMs(this.#failures);
    this.lastError = error.message;
    return this.#failures >= FAILURES_BEFORE_FAILED ? "failed" : "backoff";
  }

  /** An explicit stop or start by an operator forgives earlier failures. */
  resetBackoff(): void {
    this.#failures = 0;
    this.#retryAt = 0;
  }

  retryInMs(): number {
    return Math.max(0, this.#retryAt - Date.now());
  }

  get retryAt(): Date | undefined {
    return this.#retryAt > Date.now() ? new Date(this.#retryAt) : undefined;
  }

  /** Fails fast while the backoff after failed starts runs. */
  assertRetryDue(): void {
    const wait = this.retryInMs();
    if (wait === 0) return;
    throw new BackendError(
      "MCPGW_ERR_SERVER_BACKOFF",
      this.id,
      `Server '${this.id}' failed to start ${this.#failures} time${this.#failures === 1 ? "" : "s"} in a row (${this.lastError ?? "unknown error"}); backing off, next attempt in ${Math.ceil(wait / 100) / 10} s`,
    );
  }
}

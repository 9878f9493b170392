import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ClientCapabilities, Notification, Progress, Result } from "@modelcontextprotocol/sdk/types.js";
import type { ServerDefinition } from "../config/model.js";
import { errorMessage, isGatewayError } from "../kernel/errors.js";
import type { ServerStatus } from "../kernel/hooks.js";
import type { Logger } from "../kernel/logger.js";
import type { Redactor } from "../kernel/redactor.js";
import type { BackendRuntime } from "../runtime/types.js";
import { isMcpError, RpcCode } from "../protocol/protocol.js";
import { BackendError } from "../protocol/BackendError.js";
import { CallDeadline, UNTIMED_MS } from "./CallDeadline.js";
import { CallQueue } from "./CallQueue.js";
import { ProgressRouter } from "./ProgressRouter.js";
import type { InitializeSummary } from "./CapabilityCache.js";
import type { GatewayClient } from "./GatewayClient.js";
import type { ServerRecord } from "./ServerRecord.js";

export interface BackendRequestOptions {
  /** Aborting it cancels the call: the backend receives notifications/cancelled. */
  readonly signal?: AbortSignal;
  /** Overrides the server's request_timeout_seconds; progress restarts this timer up to a hard maximum. */
  readonly timeoutMs?: number;
  /** Receives the backend's progress for this call (the gateway sends its own progress token). */
  readonly onProgress?: (progress: Progress) => void;
  /** Called when the call has to wait for the backend to start (a first `npx -y` start may download for seconds). */
  readonly onStarting?: () => void;
}

export interface ClientSetup {
  /** Capabilities the backend client declares (mirror the front client's: sampling, elicitation, roots). */
  readonly capabilities?: ClientCapabilities;
  /** Called with every new backend client before it connects, e.g. to add server→client request handlers. */
  readonly configure?: (client: Client) => void;
  /**
   * Called once the backend answered initialize, before any request reaches it: state its clients set
   * before it ran (a log level) is sent here. It must not throw; the backend is up either way.
   */
  readonly connected?: (client: Client, initialize: InitializeSummary) => Promise<void>;
}

/** Where an instance reports to: its server's record and the supervisor. */
export interface InstanceHost {
  readonly record: ServerRecord;
  readonly logger: Logger;
  /** Failures name URLs, commands, folders and stderr lines: they go out (answers, last_error, hooks) redacted. */
  readonly redactor: Redactor;
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** Throws once the gateway drains for shutdown. */
  assertAccepting(): void;
  /** Throws when this instance may not start now (the cap on a server's per-session instances). */
  admit(instance: BackendInstance): void;
  createRuntime(definition: ServerDefinition, logger: Logger, signal: AbortSignal): Promise<BackendRuntime>;
  stateChanged(instance: BackendInstance, from: ServerStatus, to: ServerStatus, error?: Error, reason?: string): void;
  started(instance: BackendInstance, client: GatewayClient): void;
  notified(instance: BackendInstance, notification: Notification): void;
}

/**
 * One running (or startable) backend: the shared one of a server, or one client session's own.
 * It owns the MCP client, the runtime, the idle and health timers, and the in-flight count.
 */
export class BackendInstance {
  #status: ServerStatus = "stopped";
  #client?: GatewayClient;
  #runtime?: BackendRuntime;
  #initialize?: InitializeSummary;
  /** The definition the backend was started from; a reload changes the record's, not a running backend's. */
  #definition?: ServerDefinition;
  #startedAt?: Date;
  #everStarted = false;
  #starting?: Promise<void>;
  #stopping?: Promise<void>;
  #startAbort?: AbortController;
  #inFlight = 0;
  /** Requests accepted but still waiting for a slot or for the backend to start: a shutdown drain waits for them too. */
  #awaitingStart = 0;
  readonly #queue: CallQueue;
  #idleWaiters: Array<() => void> = [];
  #idleTimer?: NodeJS.Timeout;
  #healthTimer?: NodeJS.Timeout;
  #pinging = false;
  readonly #progress: ProgressRouter;
  /** Set once the supervisor let go of this instance: a handle kept by a caller must not start an untracked backend. */
  #retired = false;
  /** Runtimes of crashed or failed starts still being torn down. */
  readonly #cleanups = new Set<Promise<void>>();
  /** Per instance: one busy session must not keep another session's idle backend alive. */
  #lastActivity = Date.now();
  /** How the last client's connection ended, so its failed calls can say "exited" or "was stopped". */
  #ended?: { readonly client: GatewayClient; readonly crashed: boolean };
  readonly #logger: Logger;

  constructor(
    private readonly host: InstanceHost,
    /** The client session this instance belongs to (isolation: session), or undefined for the shared one. */
    readonly session: string | undefined,
    private readonly setup: ClientSetup = {},
  ) {
    this.#logger = session === undefined ? host.logger : host.logger.child({ session });
    this.#progress = new ProgressRouter(host.record.id);
    this.#queue = new CallQueue(host.record.id, () => ({
      slots: host.record.settings.max_connections_per_server,
      waiting: host.record.settings.max_queued_calls_per_server,
    }));
  }

  get server(): string {
    return this.host.record.id;
  }
  get status(): ServerStatus {
    return this.#status;
  }
  get startedAt(): Date | undefined {
    return this.#startedAt;
  }
  get inFlight(): number {
    return this.#inFlight;
  }
  /** Calls waiting for one of the max_connections_per_server slots. */
  get queued(): number {
    return this.#queue.waiting;
  }
  get pid(): number | undefined {
    return this.#runtime?.pid;
  }
  get runtimeInfo(): Readonly<Record<string, unknown>> | undefined {
    return this.#runtime?.describe?.();
  }
  /** The connected SDK client while running; requests should go through `request` so they are counted and timed. */
  get client(): GatewayClient | undefined {
    return this.#client;
  }
  get definition(): ServerDefinition | undefined {
    return this.#definition;
  }
  get initializeResult(): InitializeSummary | undefined {
    return this.#initialize;
  }

  /** Resolves once the backend runs, starting (or restarting) it as needed; concurrent callers share one start. */
  async ready(options: { readonly ignoreBackoff?: boolean } = {}): Promise<this> {
    for (;;) {
      if (this.#retired)
        throw new BackendError(
          "MCPGW_ERR_SERVER_STOPPED",
          this.server,
          `Server '${this.server}': this backend was released (session ended or server removed)`,
        );
      switch (this.#status) {
        case "running":
          return this;
        case "unhealthy":
          // A backend that fails its pings but still has calls running may just be busy; an idle one is replaced.
          if (this.#inFlight > 0) return this;
          await this.stop("unhealthy");
          break;
        case "starting":
          await this.#starting;
          break;
        case "stopping":
          await this.#stopping;
          break;
        case "backoff":
        case "failed":
          if (!options.ignoreBackoff) this.host.record.assertRetryDue();
          await this.#start();
          break;
        case "stopped":
          await this.#start();
          break;
      }
    }
  }

  /** Sends one request to the backend, starting it first if needed; counted, timed, and mapped to errors naming the server. */
  async request(
    request: { method: string; params?: Record<string, unknown> },
    options: BackendRequestOptions = {},
  ): Promise<Result> {
    const record = this.host.record;
    this.host.assertAccepting();
    this.#touch();
    this.#awaitingStart += 1;
    let entered = false;
    if (this.#status === "stopped" || this.#status === "starting") options.onStarting?.();
    try {
      // Calls wait for a start without a slot (the start has its own budget), then for a slot at most
      // their request timeout; the backend may have stopped or crashed meanwhile, hence ready() again.
      await this.ready();
      await this.#queue.enter(request.method, options.timeoutMs ?? record.requestTimeoutMs, options.signal);
      entered = true;
      await this.ready();
    } catch (error) {
      if (entered) this.#queue.leave();
      this.#awaitingStart -= 1;
      this.#releaseDrainWaiters();
      throw error;
    }
    this.#awaitingStart -= 1;
    const client = this.#client!;
    this.#inFlight += 1;
    record.requestStarted();
    const deadline = new CallDeadline(
      this.server,
      request.method,
      options.timeoutMs ?? record.requestTimeoutMs,
      options.signal,
    );
    let params = request.params;
    let token: string | undefined;
    if (options.onProgress) {
      const onProgress = options.onProgress;
      token = this.#progress.register((progress) => {
        deadline.extend();
        onProgress(progress);
      });
      params = { ...params, _meta: { ...(params?._meta as object | undefined), progressToken: token } };
    }
    const sdkOptions: RequestOptions = { signal: deadline.signal, timeout: UNTIMED_MS };
    try {
      return await client.requestAsSent({ method: request.method, params }, sdkOptions);
    } catch (error) {
      // A call its client cancelled is not the backend's failure.
      if (!deadline.cancelledByCaller) record.errorSeen();
      throw this.#explain(error, request.method, client, deadline.expired);
    } finally {
      deadline.end();
      if (token) this.#progress.release(token);
      this.#queue.leave();
      this.#inFlight -= 1;
      this.#touch();
      if (this.#inFlight === 0) this.#becameIdle();
    }
  }

  /** Sends a notification (e.g. roots/list_changed) to the running backend; dropped when it is not running. */
  async notify(notification: Notification): Promise<void> {
    if (this.#status === "running" || this.#status === "unhealthy") await this.#client!.notification(notification);
  }

  /** Resolves when no request is in flight or waiting for a start (for shutdown's drain). */
  drained(): Promise<void> {
    if (this.#inFlight === 0 && this.#awaitingStart === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops the backend for good: the supervisor no longer tracks this instance. */
  retire(reason: "requested" | "removed"): Promise<boolean> {
    this.#retired = true;
    return this.stop(reason);
  }

  /** Stops the backend; in-flight calls fail with an error naming the server. Resolves false when it was not running. */
  async stop(reason: "requested" | "idle" | "unhealthy" | "shutdown" | "removed"): Promise<boolean> {
    if (this.#status === "starting") {
      this.#startAbort?.abort(
        new BackendError("MCPGW_ERR_SERVER_STOPPED", this.server, `Server '${this.server}' was stopped while starting`),
      );
      await this.#starting?.catch(() => undefined);
    }
    let stopped = false;
    if (this.#status === "stopping") {
      await this.#stopping;
    } else if (this.#status === "running" || this.#status === "unhealthy") {
      this.#stopping = this.#stop(reason);
      await this.#stopping;
      stopped = true;
    }
    // Whatever an earlier crash or failed start left behind is gone too when stop resolves.
    await Promise.allSettled(this.#cleanups);
    return stopped;
  }

  #cleanUp(runtime: BackendRuntime | undefined, client: GatewayClient): void {
    const cleanup = Promise.allSettled([runtime?.stop(), client.close()]).then(() => {
      this.#cleanups.delete(cleanup);
    });
    this.#cleanups.add(cleanup);
  }

  async #stop(reason: string): Promise<void> {
    this.#set("stopping", undefined, reason);
    this.#clearTimers();
    if (reason === "idle")
      this.#logger.info({ idle_seconds: Math.round((Date.now() - this.#lastActivity) / 1000) }, "Stopping idle server");
    const runtime = this.#runtime;
    if (this.#client) this.#ended = { client: this.#client, crashed: false };
    if (this.#startedAt) this.host.record.ended(Date.now() - this.#startedAt.getTime());
    try {
      await runtime?.stop();
    } catch (error) {
      this.#logger.warn(`Stopping the runtime failed: ${errorMessage(error)}`);
    }
    await this.#client?.close().catch(() => undefined);
    this.#forget();
    this.#set("stopped");
    this.#logger.info({ reason }, "Server stopped");
  }

  #start(): Promise<void> {
    this.host.admit(this);
    this.#starting = this.#doStart().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #doStart(): Promise<void> {
    const record = this.host.record;
    this.#set("starting");
    // A reload's restart: the old backend finishes its calls first (some servers cannot run twice).
    if (record.handover) await record.handover;
    const definition = record.definition;
    this.#definition = definition;
    const startedAt = Date.now();
    // A first `npx -y` start downloads for many seconds: say so at once, not only once it is over.
    this.#logger.info({ runtime: definition.runtime.type }, `Starting server '${this.server}'`);
    const abort = new AbortController();
    this.#startAbort = abort;
    const timeoutMs = record.startTimeoutMs;
    const timer = setTimeout(
      () =>
        abort.abort(
          new BackendError(
            "MCPGW_ERR_SERVER_START",
            this.server,
            `Server '${this.server}' did not finish starting within ${timeoutMs / 1000} s (raise start_timeout_seconds if it needs longer)`,
          ),
        ),
      timeoutMs,
    );
    // The SDK client (and its JSON Schema validator) loads with the first backend, not at boot.
    const { GatewayClient } = await import("./GatewayClient.js");
    const client = new GatewayClient(this.host.clientInfo, { capabilities: this.setup.capabilities ?? {} });
    client.onclose = () => this.#onClosed(client);
    // Protocol-level oddities (a response to an unknown id, a malformed message): worth a trace, not a failure.
    client.onerror = (error) => this.#logger.debug(`MCP client error: ${errorMessage(error)}`);
    client.fallbackNotificationHandler = async (notification) => this.host.notified(this, notification);
    this.setup.configure?.(client);
    let runtime: BackendRuntime | undefined;
    try {
      runtime = await this.host.createRuntime(definition, this.#logger, abort.signal);
      this.#runtime = runtime;
      this.#client = client;
      await abortable(runtime.connect(client, { timeoutMs, signal: abort.signal }), abort.signal);
    } catch (error) {
      clearTimeout(timer);
      this.#client = undefined;
      this.#runtime = undefined;
      // Callers hear of the failure now; a process that ignores stdin EOF may take seconds more to end.
      this.#cleanUp(runtime, client);
      if (isGatewayError(abort.signal.reason, "MCPGW_ERR_SERVER_STOPPED")) {
        this.#set("stopped");
        throw abort.signal.reason;
      }
      const reason = this.host.redactor.text(
        withOutput(
          abort.signal.aborted
            ? errorMessage(abort.signal.reason)
            : `Failed to start server '${this.server}': ${errorMessage(error)}`,
          runtime?.recentOutput?.(),
        ),
      );
      const failure = new BackendError("MCPGW_ERR_SERVER_START", this.server, reason, { cause: error });
      const status = record.startFailed(failure);
      this.#set(status, failure);
      this.#logger.warn({ retry_in_ms: record.retryInMs() }, reason);
      throw failure;
    } finally {
      clearTimeout(timer);
      this.#startAbort = undefined;
    }
    this.#progress.intercept(client.transport!);
    this.#initialize = summarize(client);
    await this.setup.connected?.(client, this.#initialize);
    this.#startedAt = new Date();
    this.#lastActivity = Date.now();
    record.startSucceeded(this.#everStarted);
    this.#everStarted = true;
    this.#set("running");
    const readyMs = Date.now() - startedAt;
    this.#logger.info(
      { pid: runtime.pid, ready_ms: readyMs, ...runtime.describe?.() },
      `Server '${this.server}' ready in ${readyMs} ms`,
    );
    this.#scheduleIdle();
    this.#scheduleHealth();
    this.host.started(this, client);
  }

  /** The transport closed. Unless the gateway closed it, the backend died: its in-flight calls have just been failed by the SDK. */
  #onClosed(client: GatewayClient): void {
    if (client !== this.#client || this.#status === "starting" || this.#status === "stopping") return;
    this.#ended = { client, crashed: true };
    const record = this.host.record;
    const uptimeMs = Date.now() - (this.#startedAt?.getTime() ?? Date.now());
    const crash = new BackendError(
      "MCPGW_ERR_SERVER_CRASHED",
      this.server,
      uptimeMs < record.minUptimeMs
        ? `Server '${this.server}' exited ${(uptimeMs / 1000).toFixed(1)} s after it started (under min_uptime_seconds, ${record.minUptimeMs / 1000} s)`
        : `Server '${this.server}' exited unexpectedly`,
    );
    const status = record.ended(uptimeMs, crash);
    const output = this.#runtime?.recentOutput?.();
    this.#logger.warn(
      { in_flight: this.#inFlight, uptime_ms: uptimeMs, ...(output && { stderr: output }) },
      status === "stopped"
        ? `Server '${this.server}' exited unexpectedly; the next request restarts it`
        : `${crash.message}; backing off for ${record.retryInMs()} ms`,
    );
    this.#clearTimers();
    const runtime = this.#runtime;
    this.#forget();
    // Reaps what the backend may have left behind (its process group), without blocking the crash path.
    this.#cleanUp(runtime, client);
    this.#set(status, crash);
  }

  #explain(error: unknown, method: string, client: GatewayClient, timeout: string | undefined): unknown {
    if (timeout)
      return new BackendError("MCPGW_ERR_REQUEST_TIMEOUT", this.server, timeout, {
        cause: error,
        rpcCode: RpcCode.RequestTimeout,
      });
    if (isMcpError(error) && error.code === RpcCode.ConnectionClosed && this.#ended?.client === client) {
      return this.#ended.crashed
        ? new BackendError(
            "MCPGW_ERR_SERVER_CRASHED",
            this.server,
            `Server '${this.server}' exited while ${method} was in flight`,
            { cause: error },
          )
        : new BackendError(
            "MCPGW_ERR_SERVER_STOPPED",
            this.server,
            `Server '${this.server}' was stopped while ${method} was in flight`,
            { cause: error },
          );
    }
    // McpErrors are the backend's own answers (or the caller's cancellation) and pass unchanged;
    // anything else is a local failure to talk to it (a write to a closing pipe, a failed fetch).
    if (isMcpError(error) || error instanceof BackendError) return error;
    return new BackendError(
      "MCPGW_ERR_BACKEND_IO",
      this.server,
      this.host.redactor.text(`Server '${this.server}': ${method} failed: ${errorMessage(error)}`),
      { cause: error },
    );
  }

  #touch(): void {
    this.#lastActivity = Date.now();
    this.host.record.touch();
  }

  #becameIdle(): void {
    this.#releaseDrainWaiters();
    this.#scheduleIdle();
  }

  #releaseDrainWaiters(): void {
    if (this.#inFlight === 0 && this.#awaitingStart === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Arms one timer for the moment the idle timeout would pass; it re-checks then, so requests need not reset it. */
  #scheduleIdle(): void {
    const idleMs = this.host.record.idleTimeoutMs;
    if (idleMs === 0 || this.#idleTimer || (this.#status !== "running" && this.#status !== "unhealthy")) return;
    const last = this.#lastActivity;
    this.#idleTimer = setTimeout(
      () => {
        this.#idleTimer = undefined;
        if (this.#inFlight > 0) return;
        if (Date.now() - this.#lastActivity >= idleMs) void this.stop("idle");
        else this.#scheduleIdle();
      },
      Math.max(0, last + idleMs - Date.now()),
    );
    this.#idleTimer.unref();
  }

  #scheduleHealth(): void {
    const intervalMs = this.host.record.healthIntervalMs;
    if (intervalMs === 0) return;
    this.#healthTimer = setInterval(() => void this.#checkHealth(), intervalMs);
    this.#healthTimer.unref();
  }

  async #checkHealth(): Promise<void> {
    const client = this.#client;
    if (!client || this.#pinging) return;
    this.#pinging = true;
    try {
      await client.ping({ timeout: Math.min(this.host.record.healthIntervalMs, this.host.record.requestTimeoutMs) });
      if (client === this.#client && this.#status === "unhealthy") this.#set("running");
    } catch (error) {
      if (client === this.#client && this.#status === "running") {
        this.#logger.warn(`Server health check failed: ${errorMessage(error)}`);
        this.#set("unhealthy", error as Error);
      }
    } finally {
      this.#pinging = false;
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#idleTimer);
    clearInterval(this.#healthTimer);
    this.#idleTimer = undefined;
    this.#healthTimer = undefined;
  }

  #forget(): void {
    this.#client = undefined;
    this.#runtime = undefined;
    this.#startedAt = undefined;
    this.#progress.clear();
  }

  #set(status: ServerStatus, error?: Error, reason?: string): void {
    const from = this.#status;
    if (from === status) return;
    this.#status = status;
    this.host.stateChanged(this, from, status, error, reason);
  }
}

/** The initialize result as the server sent it, or (should a transport hide it) what the SDK kept of it. */
function summarize(client: GatewayClient): InitializeSummary {
  if (client.initializeResult) return client.initializeResult as unknown as InitializeSummary;
  const instructions = client.getInstructions();
  return {
    capabilities: (client.getServerCapabilities() ?? {}) as Record<string, unknown>,
    ...(client.getServerVersion() && { serverInfo: client.getServerVersion() as Record<string, unknown> }),
    ...(instructions !== undefined && { instructions }),
  };
}

/**
 * A start failure with the backend's last words: the client (over any frontend, stdio included) and
 * `last_error` see why it failed, not only that it did.
 */
function withOutput(message: string, lines: readonly string[] | undefined): string {
  if (lines === undefined || lines.length === 0) return message;
  return `${message}; its last stderr lines:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    // Already aborted (the start timed out while the runtime was made): `promise` still gets a
    // handler below, or its own rejection would go unhandled and end the process.
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

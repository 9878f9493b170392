import type { GatewayClient } from "./GatewayClient.js";
import type { Notification, Result } from "@modelcontextprotocol/sdk/types.js";
import type { GatewayConfig, ServerDefinition } from "../config/model.js";
import { errorMessage, GatewayError } from "../kernel/errors.js";
import type { ServerStatus } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import type { BackendRuntime } from "../runtime/types.js";
import { BackendError } from "../protocol/BackendError.js";
import { BackendInstance, type BackendRequestOptions, type ClientSetup, type InstanceHost } from "./BackendInstance.js";
import { CapabilityCache, type CapabilitySnapshot } from "./CapabilityCache.js";
import { backendDefinition, definitionHash } from "./definitionHash.js";
import { fetchAllLists, fetchList, LIST_CHANGED } from "./fetchCapabilities.js";
import { ServerRecord, SHARED } from "./ServerRecord.js";

/** How long shutdown waits for in-flight calls before it stops backends anyway. */
export const DRAIN_TIMEOUT_MS = 15_000;

export interface AcquireOptions extends ClientSetup {
  /** The client session asking; `isolation: session` servers get one backend per session. */
  readonly sessionId?: string;
}

export interface ServerSnapshot {
  readonly id: string;
  /** The shared instance's status; for `isolation: session` servers, `running` while any session's backend runs. */
  readonly status: ServerStatus;
  readonly started_at: string | null;
  readonly last_activity: string | null;
  readonly request_count: number;
  readonly error_count: number;
  readonly restarts: number;
  readonly in_flight: number;
  /** Calls waiting for a free slot (max_connections_per_server), over every instance. */
  readonly queued: number;
  /** Running instances (1 for a running shared server; one per session otherwise). */
  readonly instances: number;
  readonly pid?: number;
  /** What the runtime says about a running backend, the shared one first (transport, command or url; never secrets). */
  readonly runtime?: Readonly<Record<string, unknown>>;
  readonly retry_at?: string;
  readonly last_error?: string;
}

/** The answer to an operator's start or stop, worded as the original gateway's admin API. */
export interface AdminOutcome {
  readonly id: string;
  readonly status: ServerStatus;
  readonly message: string;
}

export interface BackendNotification {
  readonly server: string;
  readonly session?: string;
  readonly notification: Notification;
}

/** What plugins may do with backends: the supervisor as a core service (`gatewayTokens.supervisor`). */
export interface ServerSupervisor {
  /** Server ids in config order. */
  ids(): string[];
  get(id: string): ServerSnapshot;
  list(): ServerSnapshot[];
  /** The running backend for `id` (started on first use; the caller's own for `isolation: session`). */
  acquire(id: string, options?: AcquireOptions): Promise<BackendInstance>;
  /** One request to a server, starting it if needed; the backend's raw result. */
  request(
    id: string,
    request: { method: string; params?: Record<string, unknown> },
    options?: BackendRequestOptions & AcquireOptions,
  ): Promise<Result>;
  /** Admin start, ignoring any restart backoff. */
  start(id: string): Promise<AdminOutcome>;
  /** Admin stop of every instance of the server. */
  stop(id: string): Promise<AdminOutcome>;
  /** What the server offers, from the last refresh or the on-disk cache; undefined when it never ran with this definition. */
  capabilities(id: string): Promise<CapabilitySnapshot | undefined>;
  /** Every notification a backend sends; returns the unsubscribe function. */
  onNotification(listener: (event: BackendNotification) => void): () => void;
}

/**
 * Owns the life of every backend: lazy single-flight starts, idle stops, health pings, crash
 * handling, restart backoff, per-session instances, the capability cache and shutdown.
 * Frontends call `acquire` (or `request`) and never touch runtimes themselves.
 */
export class Supervisor implements ServerSupervisor {
  readonly #records = new Map<string, ServerRecord>();
  readonly #listeners = new Set<(event: BackendNotification) => void>();
  readonly #refreshing = new Map<string, Promise<void>>();
  /** Backends a reload took away (removed or restarted servers) that are finishing their calls. */
  readonly #leaving = new Set<BackendInstance>();
  readonly #retiring = new Map<string, Promise<void>>();
  readonly #logger: Logger;
  #cache: CapabilityCache;
  #config: GatewayConfig;
  #accepting = true;
  #sharedSetup: (server: string) => ClientSetup = () => ({});

  constructor(
    private readonly kernel: Kernel,
    config: GatewayConfig,
    stateDir: string,
    private readonly clientInfo: { readonly name: string; readonly version: string },
  ) {
    this.#logger = kernel.logger.child({ component: "supervisor" });
    this.#config = config;
    this.#cache = new CapabilityCache(stateDir, this.#logger);
    for (const server of config.servers) this.#records.set(server.id, new ServerRecord(server, config.settings));
  }

  /** Server ids in config order. */
  ids(): string[] {
    return [...this.#records.keys()];
  }

  get(id: string): ServerSnapshot {
    return snapshot(this.#record(id));
  }

  list(): ServerSnapshot[] {
    return [...this.#records.values()].map(snapshot);
  }

  /**
   * The backend for `id` (the caller's own for `isolation: session`), running: started on first
   * use, concurrent callers sharing one start. Fails fast with an error naming the server while
   * a restart backoff runs.
   */
  async acquire(id: string, options: AcquireOptions = {}): Promise<BackendInstance> {
    this.assertAccepting();
    const record = this.#record(id);
    return this.#instance(record, options).ready();
  }

  /** One request to a server, starting it if needed. The result is the backend's raw result. */
  async request(
    id: string,
    request: { method: string; params?: Record<string, unknown> },
    options: BackendRequestOptions & AcquireOptions = {},
  ): Promise<Result> {
    this.assertAccepting();
    return this.#instance(this.#record(id), options).request(request, options);
  }

  /** Admin start: runs the shared backend now, ignoring any restart backoff. */
  async start(id: string): Promise<AdminOutcome> {
    this.assertAccepting();
    const record = this.#record(id);
    const instance = this.#instance(record, {});
    if (instance.status === "running") return { id, status: "running", message: "Server already running" };
    record.resetBackoff();
    await instance.ready({ ignoreBackoff: true });
    return { id, status: instance.status, message: "Server started successfully" };
  }

  /** Admin stop: stops every instance of the server; in-flight calls fail with an error naming it. */
  async stop(id: string): Promise<AdminOutcome> {
    const record = this.#record(id);
    record.resetBackoff();
    const stops: Array<Promise<boolean>> = [];
    for (const [key, instance] of record.instances) {
      if (key === SHARED) {
        stops.push(instance.stop("requested"));
      } else {
        record.instances.delete(key);
        stops.push(instance.retire("requested"));
      }
    }
    const stopped = await Promise.all(stops);
    const status = record.instances.get(SHARED)?.status === "running" ? "running" : "stopped";
    return { id, status, message: stopped.some(Boolean) ? "Server stopped successfully" : "Server already stopped" };
  }

  /** Ends a client session: stops the backends it had of `isolation: session` servers. */
  async releaseSession(sessionId: string): Promise<void> {
    const stops: Array<Promise<unknown>> = [];
    for (const record of this.#records.values()) {
      const instance = record.instances.get(sessionId);
      if (!instance) continue;
      record.instances.delete(sessionId);
      stops.push(instance.retire("requested"));
    }
    await Promise.all(stops);
  }

  /**
   * What the server offers (tools, prompts, resources, templates, initialize result) without
   * starting it: from the last refresh, or from the on-disk cache of an earlier run of the same
   * definition. Undefined when it never ran with this definition.
   */
  async capabilities(id: string): Promise<CapabilitySnapshot | undefined> {
    const record = this.#record(id);
    await this.#refreshing.get(id);
    return this.#cache.read(record.definition);
  }

  /** Subscribes to every notification a backend sends (list_changed, message, resources/updated, ...). */
  onNotification(listener: (event: BackendNotification) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  assertAccepting(): void {
    if (!this.#accepting)
      throw new GatewayError("MCPGW_ERR_SHUTTING_DOWN", "The gateway is shutting down and takes no new requests");
  }

  /** Stops taking requests and waits (at most `timeoutMs`) for the ones in flight; resolves whether all finished. */
  async drain(timeoutMs = DRAIN_TIMEOUT_MS): Promise<boolean> {
    this.#accepting = false;
    const instances = this.#allInstances();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const drained = await Promise.race([
      Promise.all(instances.map((instance) => instance.drained())).then(() => true),
      expired,
    ]);
    clearTimeout(timer);
    if (!drained)
      this.#logger.warn(`In-flight requests did not finish within ${timeoutMs / 1000} s; stopping backends anyway`);
    return drained;
  }

  /** Stops every backend (shutdown), in parallel. */
  async stopAll(): Promise<void> {
    this.#accepting = false;
    const instances = this.#allInstances();
    await Promise.all(instances.map((instance) => instance.stop("shutdown")));
    // Cache writes still under way would otherwise land after shutdown.
    await Promise.allSettled([...this.#refreshing.values()]);
  }

  #allInstances(): BackendInstance[] {
    return [...[...this.#records.values()].flatMap((record) => [...record.instances.values()]), ...this.#leaving];
  }

  /** Starts the `autostart: true` servers; a failure is logged, the gateway keeps running. */
  async autostart(which: (record: ServerRecord) => boolean = () => true): Promise<void> {
    const wanted = [...this.#records.values()].filter((record) => record.definition.autostart && which(record));
    await Promise.all(
      wanted.map((record) =>
        this.#instance(record, {})
          .ready()
          .catch((error) => this.#logger.error({ server: record.id }, `Autostart failed: ${errorMessage(error)}`)),
      ),
    );
  }

  /**
   * A new config (hot reload). New servers are available at once; removed ones take no new
   * requests, finish those in flight, then stop; a changed one named in `restart` finishes its
   * in-flight calls on the old backend while its next start (with the new definition) waits for
   * that; any other changed one keeps its running backend until it is next started (as the
   * original gateway). Resolves at once: the old backends drain in the background (`retired`).
   */
  applyConfig(config: GatewayConfig, restart: ReadonlySet<string> = new Set()): void {
    this.#config = config;
    const next = new Map(config.servers.map((server) => [server.id, server]));
    for (const [id, record] of this.#records) if (!next.has(id)) this.#retire(record, [...record.instances.values()]);
    const records = new Map<string, ServerRecord>();
    for (const server of config.servers) {
      const known = this.#records.get(server.id);
      const record = known ?? new ServerRecord(server, config.settings);
      if (known && backendDefinition(known.definition) === backendDefinition(server))
        this.#carryCache(known.definition, server);
      record.definition = server;
      record.settings = config.settings;
      if (known && restart.has(server.id)) {
        const old = [...record.instances.values()];
        record.instances.clear();
        // A new definition deserves a fresh start, whatever the old one's failures.
        record.resetBackoff();
        record.handover = this.#retire(record, old);
      }
      records.set(server.id, record);
    }
    const known = new Set(this.#records.keys());
    this.#records.clear();
    for (const [id, record] of records) this.#records.set(id, record);
    // `autostart: true` holds for a server a reload added or restarted as it does at boot.
    void this.autostart((record) => !known.has(record.id) || restart.has(record.id));
  }

  /** The cached lists of a server whose backend a reload left as it was hold for its new definition too. */
  #carryCache(from: ServerDefinition, to: ServerDefinition): void {
    const hash = definitionHash(to);
    if (definitionHash(from) === hash) return;
    this.#track(to.id, async () => {
      const snapshot = await this.#cache.read(from);
      if (snapshot) await this.#cache.write({ ...snapshot, definition_hash: hash });
    });
  }

  /** Resolves once every backend a reload took away from `id` has finished its calls and stopped. */
  retired(id: string): Promise<void> {
    return this.#retiring.get(id) ?? Promise.resolve();
  }

  /** Lets `instances` finish their calls, then stops them; nothing new reaches them (they are no longer in a record). */
  #retire(record: ServerRecord, instances: readonly BackendInstance[]): Promise<void> {
    for (const instance of instances) this.#leaving.add(instance);
    const done = Promise.all(
      instances.map(async (instance) => {
        await instance.drained();
        await instance.retire("removed").catch(() => undefined);
        this.#leaving.delete(instance);
      }),
    ).then(() => undefined);
    const all = Promise.all([this.#retiring.get(record.id), done]).then(() => undefined);
    this.#retiring.set(record.id, all);
    void all.then(() => {
      if (this.#retiring.get(record.id) === all) this.#retiring.delete(record.id);
    });
    return done;
  }

  #record(id: string): ServerRecord {
    const record = this.#records.get(id);
    if (!record) throw new BackendError("MCPGW_ERR_SERVER_NOT_FOUND", id, `Server '${id}' not found`);
    return record;
  }

  /**
   * How shared backends connect, whoever first needs one (a session, an admin start, autostart):
   * the MCP routing core registers it, so every shared backend can reach every client session.
   */
  useSharedSetup(provider: (server: string) => ClientSetup): void {
    this.#sharedSetup = provider;
  }

  #instance(record: ServerRecord, options: AcquireOptions): BackendInstance {
    // Every start goes through here: a server whose entry names an unset variable says which, and nothing runs.
    const unavailable = record.definition.unavailable;
    if (unavailable !== undefined) throw new BackendError("MCPGW_ERR_SERVER_START", record.id, unavailable);
    const key = record.instanceKey(options.sessionId);
    let instance = record.instances.get(key);
    if (!instance) {
      instance = new BackendInstance(
        this.#host(record),
        key === SHARED ? undefined : key,
        key === SHARED ? this.#sharedSetup(record.id) : options,
      );
      record.instances.set(key, instance);
    }
    return instance;
  }

  #host(record: ServerRecord): InstanceHost {
    return {
      record,
      logger: this.#logger.child({ server: record.id }),
      redactor: this.kernel.redactor,
      clientInfo: this.clientInfo,
      assertAccepting: () => this.assertAccepting(),
      admit: (instance) => admitSessionInstance(record, instance, this.sessionPerClient(record.id)),
      createRuntime: (definition, logger, signal) => this.#createRuntime(definition, logger, signal),
      stateChanged: (instance, from, to, error, reason) =>
        this.kernel.hooks.serverStateChanged.call({
          server: record.id,
          ...(instance.session && { session: instance.session }),
          from,
          to,
          at: new Date(),
          ...(error && { error }),
          ...(reason !== undefined && { reason }),
        }),
      started: (instance, client) =>
        this.#fromSharedView(record, instance)
          ? this.#refreshShared(record, "cold")
          : this.#refresh(record.id, instance, client),
      notified: (instance, notification) => this.#notified(record, instance, notification),
    };
  }

  async #createRuntime(definition: ServerDefinition, logger: Logger, signal: AbortSignal): Promise<BackendRuntime> {
    const hook = this.kernel.hooks.runtime.get(definition.runtime.type);
    const runtime = await hook?.promise(definition, { config: this.#config, logger, signal });
    if (!runtime) {
      throw new BackendError(
        "MCPGW_ERR_RUNTIME_UNAVAILABLE",
        definition.id,
        `Server '${definition.id}': no enabled plugin provides runtime type '${definition.runtime.type}'`,
      );
    }
    return runtime;
  }

  /** Re-reads every list after a start and writes the snapshot to the cache; one refresh per server at a time. */
  #refresh(id: string, instance: BackendInstance, client: GatewayClient): void {
    this.#track(id, () => this.#writeLists(id, instance, client));
  }

  async #writeLists(id: string, instance: BackendInstance, client: GatewayClient): Promise<void> {
    const definition = this.#listedDefinition(this.#record(id), instance);
    const lists = await fetchAllLists(client, this.#record(id).requestTimeoutMs, this.#logger.child({ server: id }));
    await this.#cache.write({
      server: id,
      definition_hash: definitionHash(definition),
      fetched_at: new Date().toISOString(),
      initialize: instance.initializeResult!,
      ...lists,
    });
  }

  /**
   * The definition a backend's lists are cached under: the server's as configured now when a reload
   * changed nothing the backend was started from (a tool filter, a name), else the one it runs.
   */
  #listedDefinition(record: ServerRecord, instance: BackendInstance): ServerDefinition {
    const running = instance.definition!;
    return backendDefinition(running) === backendDefinition(record.definition) ? record.definition : running;
  }

  /**
   * Whether the capability cache takes `instance`'s lists from the shared instance instead: a
   * client session's own backend session (sessionPerClient runtimes) declares only that client's
   * capabilities and lists only what it may see; the shared one declares every capability, so its
   * lists are the server's (and it is only one more upstream session, not a process).
   */
  #fromSharedView(record: ServerRecord, instance: BackendInstance): boolean {
    return instance.session !== undefined && this.sessionPerClient(record.id);
  }

  /** Whether the server's runtime makes one more instance one more session over shared connections, not one more process. */
  sessionPerClient(id: string): boolean {
    const type = this.#records.get(id)?.definition.runtime.type;
    return type !== undefined && this.kernel.schemas.runtimes.get(type)?.sessionPerClient === true;
  }

  /**
   * Fills the cache through the shared instance: `cold`, only when the cache has nothing for the
   * definition (a session's start adds nothing otherwise); `changed` (a session's list_changed), only
   * when the shared instance does not run (a running one hears of server-wide changes itself).
   */
  #refreshShared(record: ServerRecord, when: "cold" | "changed"): void {
    // Not for a server removed by a reload, nor once shutdown began: nothing would stop that instance.
    if (this.#records.get(record.id) !== record || !this.#accepting) return;
    const shared = this.#instance(record, {});
    if (when === "changed" && shared.status === "running") return;
    this.#track(record.id, async () => {
      if (!this.#accepting || (when === "cold" && (await this.#cache.read(record.definition)))) return;
      await shared.ready();
      await this.#writeLists(record.id, shared, shared.client!);
    });
  }

  #notified(record: ServerRecord, instance: BackendInstance, notification: Notification): void {
    const id = record.id;
    const kinds = LIST_CHANGED[notification.method];
    const client = instance.client;
    if (kinds && this.#fromSharedView(record, instance)) this.#refreshShared(record, "changed");
    else if (kinds && client) {
      this.#track(id, async () => {
        const definition = this.#listedDefinition(this.#record(id), instance);
        const previous = await this.#cache.read(definition);
        if (!previous) return this.#refresh(id, instance, client);
        const timeoutMs = this.#record(id).requestTimeoutMs;
        const updated = Object.fromEntries(
          await Promise.all(
            kinds.map(
              async (kind) =>
                [kind, await fetchList(client, kind, timeoutMs, this.#logger.child({ server: id }))] as const,
            ),
          ),
        );
        await this.#cache.write({ ...previous, ...updated, fetched_at: new Date().toISOString() });
      });
    }
    const event: BackendNotification = {
      server: id,
      ...(instance.session && { session: instance.session }),
      notification,
    };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ server: id }, `A notification listener failed: ${errorMessage(error)}`);
      }
    }
  }

  /** Chains cache work per server so refreshes never interleave; failures are logged (the backend may just have stopped). */
  #track(id: string, work: () => Promise<void>): void {
    const previous = this.#refreshing.get(id) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error) => this.#logger.debug({ server: id }, `Capability refresh failed: ${errorMessage(error)}`))
      .finally(() => {
        if (this.#refreshing.get(id) === next) this.#refreshing.delete(id);
      });
    this.#refreshing.set(id, next);
  }
}

/**
 * An `isolation: session` server runs at most max_session_instances backends at once. For runtimes
 * whose per-session backend is an upstream session, not a process, only a server's own cap applies:
 * the frontend's session limits bound them.
 */
function admitSessionInstance(record: ServerRecord, instance: BackendInstance, sessionPerClient: boolean): void {
  if (instance.session === undefined) return;
  if (sessionPerClient && record.definition.max_session_instances === undefined) return;
  const live = [...record.instances.values()].filter(
    (other) => other !== instance && ["starting", "running", "unhealthy", "stopping"].includes(other.status),
  ).length;
  const cap = record.maxSessionInstances;
  if (live >= cap)
    throw new BackendError(
      "MCPGW_ERR_INSTANCE_LIMIT",
      record.id,
      `Server '${record.id}' runs one backend per session and ${live} are running (max_session_instances ${cap}); this session's backend starts once another session ends`,
    );
}

function snapshot(record: ServerRecord): ServerSnapshot {
  const instances = [...record.instances.values()];
  const shared = record.instances.get(SHARED);
  const running = instances.filter((instance) => instance.status === "running" || instance.status === "unhealthy");
  const status: ServerStatus = shared?.status ?? (running.length > 0 ? "running" : "stopped");
  const startedAt = shared?.startedAt ?? running[0]?.startedAt;
  const retryAt = record.retryAt;
  const pid = shared?.pid;
  // Every instance of a server runs one definition: a session's own describes the server as well as the shared one.
  const runtime = shared?.runtimeInfo ?? running[0]?.runtimeInfo;
  return {
    id: record.id,
    status:
      record.definition.isolation === "session" && status === "stopped" && running.length > 0 ? "running" : status,
    started_at: startedAt?.toISOString() ?? null,
    last_activity: record.lastActivity?.toISOString() ?? null,
    request_count: record.requestCount,
    error_count: record.errorCount,
    restarts: record.restarts,
    in_flight: instances.reduce((sum, instance) => sum + instance.inFlight, 0),
    queued: instances.reduce((sum, instance) => sum + instance.queued, 0),
    instances: running.length,
    ...(pid !== undefined && { pid }),
    ...(runtime && { runtime }),
    ...(retryAt && (status === "backoff" || status === "failed") && { retry_at: retryAt.toISOString() }),
    ...((record.lastError ?? record.definition.unavailable) && {
      last_error: record.lastError ?? record.definition.unavailable,
    }),
  };
}

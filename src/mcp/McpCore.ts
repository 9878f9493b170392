import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCRequest,
  Root,
  Result,
  ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, GatewayError } from "../kernel/errors.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Principal } from "../kernel/hooks.js";
import type { Logger } from "../kernel/logger.js";
import type { Redactor } from "../kernel/redactor.js";
import { mayUseServer } from "../services/auth.js";
import { definitionHash } from "../supervisor/definitionHash.js";
import { RpcCode } from "../protocol/protocol.js";
import { invalidParams, toWireError, WireError } from "../protocol/wireErrors.js";
import type { GatewayConfig, ServerDefinition } from "../config/model.js";
import type { InitializeSummary } from "../supervisor/CapabilityCache.js";
import type { AcquireOptions, BackendNotification, Supervisor } from "../supervisor/Supervisor.js";
import { gatewayVersion } from "../version.js";
import type { FrontSession } from "./FrontSession.js";
import type { RequestHooks } from "./hooks.js";
import { Lists } from "./Lists.js";
import { LogLevels } from "./LogLevels.js";
import { RelayedCancellations } from "./RelayedCancellations.js";
import { RequestPipeline, type RequestCarrier } from "./RequestPipeline.js";
import type {
  FrontChange,
  FrontIdentity,
  McpSessions,
  OpenSessionOptions,
  PassThroughMessage,
  PassThroughReply,
} from "./service.js";
import type { ParkedCall, ParkedState } from "./ParkedCalls.js";
import { Subscriptions } from "./Subscriptions.js";
import { Attribution } from "./Attribution.js";
import { CallsInFlight, PASS_THROUGH_CALLER } from "./CallsInFlight.js";
import { missingClientCapability } from "./clientCapabilities.js";
import { ModernCall, type ModernRequest } from "./ModernCall.js";
import { ParkedCalls } from "./ParkedCalls.js";
import type { BackendMessage, FrontTransport, RpcErrorBody, SessionInfo } from "./types.js";

type Params = Record<string, unknown>;

/** What the aggregated endpoint offers, whatever the servers behind it. */
const AGGREGATE_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  logging: {},
  completions: {},
};

/** A shared backend may serve any client, so it declares every client capability; a client lacking one gets an MCP error when asked. */
const SHARED_BACKEND_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

const LIST_CHANGED = new Set([
  "notifications/tools/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/list_changed",
]);

/** Backend calls parked for their modern clients' answers at most. */
const MAX_PARKED = 1_000;

/** How long after a roots/list_changed a backend's roots/list counts as its own fetch. */
const ROOTS_FETCH_WINDOW_MS = 5_000;

/** The key of a backend-request handler: one per shared server, one per session's own backend of an isolated server. */
function configurerKey(server: string, owner: string | undefined): string {
  return `${server}\u0000${owner ?? ""}`;
}

/**
 * The MCP core both frontends share: the registry of client sessions, the request pipeline they
 * all use, and the way back from the backends (notifications and the backends' own requests) to
 * the sessions they are for.
 */
export class McpCore implements McpSessions {
  readonly sessions = new Map<string, FrontSession>();
  readonly lists: Lists;
  readonly pipeline: RequestPipeline;
  readonly calls = new CallsInFlight();
  readonly attribution: Attribution;
  readonly subscriptions: Subscriptions;
  readonly logLevels: LogLevels;
  /** 2026-07-28 requests in progress (and ones whose backend call is parked), by their call id. */
  readonly modernCalls = new Map<string, ModernCall>();
  /** Backend calls of modern requests waiting for their client's answer (the input bridge). */
  readonly parked = new ParkedCalls({ max: MAX_PARKED });
  /** What 2026-07-28 listen streams hear of: lists and resources that changed, by server. */
  readonly #changes = new Set<(change: FrontChange) => void>();
  /** Every error a client receives goes through it. */
  readonly redactor: Redactor;
  readonly #logger: Logger;
  readonly #configurers = new Map<string, (client: Client) => void>();
  readonly #definitions = new WeakMap<GatewayConfig, Map<string, ServerDefinition>>();
  /**
   * When each shared server was last told of a client's roots change: a roots/list soon after is its
   * own fetch, not part of a call. A backend that never fetches must not keep the mark for good.
   */
  readonly #rootsChanged = new Map<string, number>();

  constructor(
    private readonly kernel: Kernel,
    readonly supervisor: Supervisor,
    readonly hooks: RequestHooks,
  ) {
    this.#logger = kernel.logger.child({ component: "mcp" });
    this.redactor = kernel.redactor;
    const isolated = (server: string) => this.isIsolated(server);
    const sessions = () => this.sessions.values();
    this.lists = new Lists(kernel, supervisor, hooks, this.#logger);
    this.pipeline = new RequestPipeline(hooks, this.lists, this.redactor, (principal, server) =>
      this.mayUse(principal, server),
    );
    this.subscriptions = new Subscriptions(sessions, isolated);
    this.logLevels = new LogLevels(supervisor, sessions, isolated, this.#logger);
    this.attribution = new Attribution(this.sessions, this.modernCalls, this.calls, this.#logger);
    supervisor.onNotification((event) => this.#fanOut(event));
    // Every shared backend, whoever starts it (a session, pass-through, an admin start, autostart),
    // declares every client capability and hands its own requests to the core.
    supervisor.useSharedSetup((server) => ({
      capabilities: SHARED_BACKEND_CAPABILITIES,
      configure: this.configureFor(server),
      connected: (client, initialize) => this.logLevels.replay(server, undefined, client, initialize),
    }));
  }

  servers(principal?: Principal): readonly string[] {
    const ids = this.supervisor.ids();
    return principal?.servers === undefined ? ids : ids.filter((id) => this.mayUse(principal, id));
  }

  /** Whether `principal` may see and call `server` (a key limited to some `servers`). */
  mayUse(principal: Principal, server: string): boolean {
    if (principal.servers === undefined) return true;
    const definition = this.#definition(server);
    return definition !== undefined && mayUseServer(principal, definition);
  }

  async open({ server, principal, transport }: OpenSessionOptions): Promise<FrontSession> {
    const backend = server === undefined ? undefined : await this.#backendIdentity(server);
    const capabilities = backend ? withoutTasks(backend.capabilities as ServerCapabilities) : AGGREGATE_CAPABILITIES;
    // Sessions (the SDK's Server, its JSON Schema validator and its types) load with the first one, not at boot.
    const { FrontSession } = await import("./FrontSession.js");
    const info: SessionInfo = {
      id: crypto.randomUUID(),
      principal,
      transport,
      ...(server !== undefined && { server }),
      openedAt: new Date(),
    };
    const session = new FrontSession(this, info, serverInfoFor(server, backend), capabilities, backend?.instructions);
    this.sessions.set(info.id, session);
    session.server.onclose = () => void this.closeSession(session);
    this.hooks.sessionOpened.call(info);
    return session;
  }

  /**
   * What a one-server session presents: the backend's own initialize answer, from the capability
   * cache or, on a cold cache, from starting the (shared) backend now, so the client never sees
   * capabilities the backend lacks. Undefined, and a warning, when a start fails: the session then
   * offers the generic set, and its requests say why the backend is not there.
   */
  async #backendIdentity(server: string): Promise<InitializeSummary | undefined> {
    this.supervisor.get(server);
    const cached = (await this.supervisor.capabilities(server))?.initialize;
    // An isolated server's backend belongs to a session that does not exist yet, unless one more
    // instance is only one more upstream session (remote-sse): then the shared one answers.
    if (cached || (this.isIsolated(server) && !this.supervisor.sessionPerClient(server))) return cached;
    try {
      return (await this.supervisor.acquire(server)).initializeResult;
    } catch (error) {
      this.#logger.warn(
        { server },
        `A session for server '${server}' opens without its capabilities: ${errorMessage(error)}`,
      );
      return undefined;
    }
  }

  get(id: string): FrontSession | undefined {
    return this.sessions.get(id);
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((session) => session.info);
  }

  /** Ends a session: its per-session backends stop; closing twice is harmless. */
  async closeSession(session: FrontSession): Promise<void> {
    if (!this.sessions.delete(session.id)) return;
    this.attribution.closed(session);
    for (const key of this.#configurers.keys())
      if (key.endsWith(configurerKey("", session.id))) this.#configurers.delete(key);
    this.hooks.sessionClosed.call(session.info);
    await session.server.close().catch(() => {});
    await this.supervisor
      .releaseSession(session.id)
      .catch((error) => this.#logger.warn(`Releasing session backends failed: ${errorMessage(error)}`));
  }

  /**
   * After a reload: a session of a removed server closes once that server's calls finished; every
   * other session that sees a server added, removed or changed (or whose names a new separator
   * changes) is told to list again.
   */
  configChanged(next: GatewayConfig, previous: GatewayConfig): void {
    const before = new Map(previous.servers.map((server) => [server.id, server]));
    const after = new Map(next.servers.map((server) => [server.id, server]));
    const changed: ServerDefinition[] = [...before.values()].filter((server) => !after.has(server.id));
    for (const server of after.values()) {
      const old = before.get(server.id);
      if (!old || definitionHash(old) !== definitionHash(server)) changed.push(server);
    }
    const renamed =
      previous.settings.tool_name_separator !== next.settings.tool_name_separator ||
      previous.settings.max_tool_name_length !== next.settings.max_tool_name_length;
    for (const server of renamed ? after.keys() : new Set(changed.map((definition) => definition.id)))
      for (const kind of ["tools", "prompts", "resources"] as const) this.#announce({ server, kind });
    for (const session of [...this.sessions.values()]) {
      const own = session.info.server;
      if (own !== undefined && !after.has(own)) {
        void this.supervisor.retired(own).then(() => session.close());
        continue;
      }
      const principal = session.info.principal;
      const affected =
        own === undefined
          ? renamed || changed.some((server) => principal.servers === undefined || mayUseServer(principal, server))
          : changed.some((server) => server.id === own);
      if (affected) for (const method of LIST_CHANGED) session.notify({ method });
    }
  }

  /** A client's roots changed: the backend is told, and its next roots/list is not part of anyone's call. */
  async rootsChanged(server: string, options: AcquireOptions): Promise<void> {
    if (this.supervisor.get(server).status !== "running") return;
    const instance = await this.supervisor.acquire(server, options).catch(() => undefined);
    if (!instance?.client) return;
    if (!this.isIsolated(server)) this.#rootsChanged.set(server, Date.now());
    await instance.client.sendRootsListChanged().catch(() => {});
  }

  isIsolated(server: string): boolean {
    return this.#definition(server)?.isolation === "session";
  }

  /** A server's definition in the config in force, by id (asked on every call: a map per config, not a search). */
  #definition(server: string): ServerDefinition | undefined {
    const config = this.kernel.config;
    let byId = this.#definitions.get(config);
    if (!byId) {
      byId = new Map(config.servers.map((definition) => [definition.id, definition]));
      this.#definitions.set(config, byId);
    }
    return byId.get(server);
  }

  /**
   * One request of the 2026-07-28 era: no session, the same pipeline as a session's request. A
   * backend asking its client something makes the result `input_required` (see ModernCall).
   */
  async modern(request: ModernRequest, id: string | number, method: string, params: Params): Promise<Result> {
    const call = new ModernCall(this, request);
    this.modernCalls.set(call.id, call);
    try {
      return await this.pipeline.handle(call.carrier(), id, method, params);
    } catch (error) {
      throw toWireError(error).redacted(this.redactor);
    } finally {
      call.answered();
      this.modernCallEnded(call);
    }
  }

  /**
   * What a 2026-07-28 client is shown on `/mcp` or `/mcp/:id`: a server's own identity from the
   * capability cache (never a start: a dual-era client probes with server/discover), the gateway's
   * generic one when the cache has none.
   */
  async identity(server?: string): Promise<FrontIdentity> {
    const backend = server === undefined ? undefined : (await this.supervisor.capabilities(server))?.initialize;
    return {
      serverInfo: serverInfoFor(server, backend),
      capabilities: withoutSessionOnly(backend ? (backend.capabilities as ServerCapabilities) : AGGREGATE_CAPABILITIES),
      ...(backend?.instructions !== undefined && { instructions: backend.instructions }),
    };
  }

  changes(listener: (change: FrontChange) => void): () => void {
    this.#changes.add(listener);
    return () => this.#changes.delete(listener);
  }

  #announce(change: FrontChange): void {
    for (const listener of this.#changes) listener(change);
  }

  async subscribeResource(principal: Principal, scope: string | undefined, uri: string): Promise<() => void> {
    const route =
      scope !== undefined ? { server: scope, uri } : await this.lists.routeResource(uri, undefined, principal);
    if (!route || !this.mayUse(principal, route.server)) throw invalidParams(`Unknown resource: ${uri}`);
    // A backend of its own per client has no one else to share its subscription with: nothing to lease.
    if (this.isIsolated(route.server)) return () => {};
    return this.subscriptions.lease(route.server, route.uri, (method) =>
      this.supervisor.request(route.server, { method, params: { uri: route.uri } }),
    );
  }

  parkedCall(state: ParkedState, principal: Principal): ParkedCall | undefined {
    return this.parked.get(state, principal.id);
  }

  /**
   * A modern call is forgotten once answered and no backend call of it is parked; backends started
   * for it alone (`isolation: session`) stop then.
   */
  modernCallEnded(call: ModernCall): void {
    if (call.live || !this.modernCalls.delete(call.id)) return;
    void this.supervisor
      .releaseSession(call.id)
      .catch((error) => this.#logger.warn(`Releasing a request's backends failed: ${errorMessage(error)}`));
  }

  async passThrough(
    server: string,
    message: PassThroughMessage,
    principal: Principal,
    signal?: AbortSignal,
  ): Promise<PassThroughReply> {
    this.supervisor.get(server);
    const params = message.params;
    if (message.id === undefined || message.id === null) {
      if (message.method !== "notifications/initialized")
        await (
          await this.supervisor.acquire(server)
        ).client?.notification({ method: message.method, ...(params && { params }) });
      return { kind: "accepted" };
    }
    // The gateway did the handshake itself; a client's initialize gets the backend's answer to it.
    if (message.method === "initialize")
      return {
        kind: "result",
        result: (await this.supervisor.acquire(server)).initializeResult as unknown as Record<string, unknown>,
      };
    try {
      return {
        kind: "result",
        result: await this.pipeline.handle(
          this.#passThroughCarrier(server, principal, signal),
          message.id,
          message.method,
          params ?? {},
        ),
      };
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      return { kind: "error", error: toWireError(error).redacted(this.redactor).body() };
    }
  }

  refused(
    message: unknown,
    principal: Principal,
    transport: FrontTransport,
    error: RpcErrorBody,
    server?: string,
  ): void {
    const request = message as { id?: unknown; method?: unknown; params?: unknown } | undefined;
    if (typeof request?.method !== "string" || (typeof request.id !== "string" && typeof request.id !== "number"))
      return;
    this.pipeline.refused(
      { principal, transport, ...(server !== undefined && { server }) },
      request.id,
      request.method,
      (request.params ?? {}) as Params,
      error,
    );
  }

  /**
   * Installs the handler for a backend's own requests (sampling, elicitation, roots, vendor) on
   * each new backend client of `server`; `owner` is the session of an `isolation: session` backend.
   */
  configureFor(server: string, owner?: string): (client: Client) => void {
    const key = configurerKey(server, owner);
    let configure = this.#configurers.get(key);
    if (!configure) {
      configure = (client) => {
        const cancellations = new RelayedCancellations(client);
        client.fallbackRequestHandler = async (request, extra) => {
          const { method, params } = request as JSONRPCRequest;
          const target = owner === undefined ? this.#sessionFor(server, method) : this.#caller(owner);
          if (!target) throw noSession(server, method);
          if ("configuredRoots" in target) return { roots: target.configuredRoots };
          const message = this.#toClient("request", server, target, method, (params ?? {}) as Params);
          if (message.dropped !== undefined)
            throw new WireError(
              RpcCode.InternalError,
              `Server '${server}' sent ${method}, which the gateway did not pass on: ${message.dropped}`,
            );
          // A modern client cannot be sent requests: the question waits for its call's next round.
          if (target instanceof ModernCall)
            return cancellations.relay(extra.requestId, extra.signal, () => target.ask(method, message.params));
          const missing = missingClientCapability(method, message.params, target.server.getClientCapabilities());
          if (missing !== undefined)
            throw new WireError(
              RpcCode.MethodNotFound,
              `Server '${server}' asked for ${method}, which needs the client capability '${missing}'; this client session did not declare it`,
            );
          this.attribution.relayed(server, target, method, message.params);
          return cancellations.relay(extra.requestId, extra.signal, (signal) =>
            target.ask(method, message.params, target.inFlightTo(server), signal),
          );
        };
      };
      this.#configurers.set(key, configure);
    }
    return configure;
  }

  /**
   * Whose a shared backend's own request is. Sampling, elicitation and vendor requests come during a
   * call: the one session with calls in flight to it, or with none in flight the only session using
   * it. roots/list also comes unprompted (after initialize, after a client's roots/list_changed): the
   * only session using the backend answers, else the roots configured for the server, else the one
   * session with a call in flight unless a roots change is pending. Anything else is refused with the
   * reason, never guessed.
   */
  #sessionFor(server: string, method: string): FrontSession | ModernCall | { configuredRoots: readonly Root[] } {
    if (method === "roots/list") {
      const users = [...this.sessions.values()].filter((session) => session.uses(server));
      const busy = this.calls.busy(server);
      const configured = this.#definition(server)?.roots;
      // After a client's roots/list_changed the backend's next roots/list is its own fetch, not part of a call.
      const unprompted = Date.now() - (this.#rootsChanged.get(server) ?? -Infinity) < ROOTS_FETCH_WINDOW_MS;
      this.#rootsChanged.delete(server);
      // A 2026-07-28 call in flight: its own client answers (input_required), never another session's.
      if (busy.some((id) => this.modernCalls.has(id))) {
        if (busy.length === 1 && !unprompted) return this.modernCalls.get(busy[0]!)!;
        throw new WireError(
          RpcCode.InternalError,
          `Server '${server}' asked for roots/list while ${busy.length} calls were in flight to it, one of them a 2026-07-28 request's; the gateway cannot tell whose roots it wants (set isolation: session)`,
        );
      }
      if (users.length === 1 && (users[0]!.server.getClientCapabilities()?.roots || !configured)) return users[0]!;
      if (configured) return { configuredRoots: configured };
      const caller = busy.length === 1 && !unprompted ? this.#caller(busy[0]!) : undefined;
      if (caller) return caller;
      throw new WireError(
        RpcCode.InternalError,
        `Server '${server}' asked for roots/list, which ${users.length} client sessions share; the gateway does not answer with one client's roots for another: set roots: in the server's entry, or isolation: session`,
      );
    }
    const caller = this.attribution.caller(server);
    if ("session" in caller) return caller.session;
    throw new WireError(
      RpcCode.InternalError,
      `Server '${server}' sent ${method} while ${caller.unattributed}; the gateway cannot tell which client it is for (set isolation: session on servers that ask clients things)`,
    );
  }

  /** A session, or a modern request, by id. */
  #caller(id: string): FrontSession | ModernCall | undefined {
    return this.sessions.get(id) ?? this.modernCalls.get(id);
  }

  /** Runs the backendMessage hook for one message to one session. */
  #toClient(
    kind: BackendMessage["kind"],
    server: string,
    session: { readonly info: SessionInfo },
    method: string,
    params: Params,
  ): BackendMessage {
    const message: { -readonly [K in keyof BackendMessage]: BackendMessage[K] } = {
      kind,
      server,
      session: session.info,
      method,
      params,
      drop: (reason: string) => {
        message.dropped = reason;
      },
    };
    if (this.hooks.backendMessage.taps.length > 0) this.hooks.backendMessage.call(message);
    return message;
  }

  #passThroughCarrier(server: string, principal: Principal, signal: AbortSignal | undefined): RequestCarrier {
    const send = async (target: string, method: string, params: Params): Promise<Result> => {
      const leave = this.calls.enter(target, PASS_THROUGH_CALLER);
      try {
        return await this.supervisor.request(target, { method, params }, signal ? { signal } : {});
      } finally {
        leave();
      }
    };
    return {
      principal,
      transport: "pass-through",
      server,
      optionsFor: () => ({}),
      onePage: true,
      send,
    };
  }

  /**
   * A backend's notification to the sessions it is for: list changes to every session that sees the
   * server, resource updates to their subscribers, anything else (logs, URL elicitation
   * completions, vendor notifications) to the one session it can be attributed to.
   */
  #fanOut({ server, session: owner, notification }: BackendNotification): void {
    const method = notification.method;
    const params = (notification.params ?? {}) as Params;
    const seeing = () =>
      [...this.sessions.values()].filter(
        (session) => session.sees(server) && (owner === undefined || session.id === owner),
      );
    if (owner === undefined && LIST_CHANGED.has(method))
      this.#announce({ server, kind: method.split("/")[1] as "tools" | "prompts" | "resources" });
    if (owner === undefined && method === "notifications/resources/updated" && typeof params.uri === "string")
      this.#announce({ server, kind: "resource", uri: params.uri });
    let targets: FrontSession[];
    if (LIST_CHANGED.has(method) || method === "notifications/resources/updated") targets = seeing();
    else {
      const target = this.attribution.notificationTarget(server, owner, method, params);
      // A modern request's stream carries its own log messages, nothing else.
      if (target instanceof ModernCall) {
        const message = this.#toClient("notification", server, target, method, params);
        if (message.dropped === undefined && method === "notifications/message") target.log(server, message.params);
        return;
      }
      targets = target ? [target] : [];
    }
    for (const session of targets) {
      const shaped = this.subscriptions.paramsFor(session, server, notification);
      if (shaped === undefined) continue;
      const message = this.#toClient("notification", server, session, method, shaped);
      if (message.dropped !== undefined) continue;
      if (LIST_CHANGED.has(method)) session.notify({ method });
      else if (method === "notifications/message") session.log(server, message.params);
      else session.notify({ method, params: message.params }, server);
    }
  }
}

/** The backend's own name, title, version, icons and website on a one-server session; the gateway's otherwise. */
function serverInfoFor(server: string | undefined, backend: InitializeSummary | undefined): Implementation {
  const own = { name: server === undefined ? "mcpgw" : `mcpgw/${server}`, version: gatewayVersion() };
  const info = backend?.serverInfo as Partial<Implementation> | undefined;
  if (typeof info?.name !== "string" || typeof info.version !== "string") return own;
  const { name, version, title, icons, websiteUrl } = info as Implementation;
  return {
    name,
    version,
    ...(title !== undefined && { title }),
    ...(icons !== undefined && { icons }),
    ...(websiteUrl !== undefined && { websiteUrl }),
  };
}

/** Tasks (2025-11-25, experimental) are not relayed, so they are not advertised. */
function withoutTasks(capabilities: ServerCapabilities): ServerCapabilities {
  const { tasks: _tasks, ...rest } = capabilities as ServerCapabilities & { tasks?: unknown };
  return rest;
}

/**
 * What a 2026-07-28 front does not offer: tasks (not relayed) and logging (logging/setLevel is gone;
 * a request names its level in `_meta`). `resources.subscribe` now means `resourceSubscriptions` on
 * subscriptions/listen.
 */
function withoutSessionOnly(capabilities: ServerCapabilities): Record<string, unknown> {
  const { logging: _logging, ...rest } = withoutTasks(capabilities);
  return rest;
}

function noSession(server: string, method: string): WireError {
  return new WireError(
    RpcCode.InternalError,
    `Server '${server}' sent ${method}, but no client session is waiting on it`,
  );
}

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ClientCapabilities, JSONRPCRequest, Result, ServerCapabilities, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { coreTokens } from "../di/tokens.js";
import { errorMessage } from "../kernel/errors.js";
import type { Kernel } from "../kernel/Kernel.js";
import type { Logger } from "../kernel/logger.js";
import type { BackendNotification, Supervisor } from "../supervisor/Supervisor.js";
import { Catalog } from "./Catalog.js";
import type { FrontSession, SessionScope } from "./FrontSession.js";
import { RpcCode } from "./protocol.js";
import { invalidParams, methodNotFound, toWireError, WireError } from "./wireErrors.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Params = Record<string, unknown>;
type Waiter = { readonly session: string; readonly grant: () => void };

const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

function mostVerbose(levels: Array<string | undefined>): string | undefined {
  const known = levels.filter((level): level is string => level !== undefined && LOG_LEVELS.includes(level));
  return known.sort((a, b) => LOG_LEVELS.indexOf(a) - LOG_LEVELS.indexOf(b))[0];
}

/** What the aggregated endpoint offers, whatever the servers behind it. */
const AGGREGATE_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  logging: {},
  completions: {},
};

/** A shared backend may serve any client, so it declares every client capability; a client lacking one gets an MCP error when asked. */
const SHARED_BACKEND_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

const LIST_CHANGED = new Set(["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"]);

const relays = new WeakMap<Kernel, Relay>();

/** The kernel's one relay, made on first use: both frontends share it, sessions and all. */
export function relayOf(kernel: Kernel): Relay {
  let relay = relays.get(kernel);
  if (!relay) {
    relay = new Relay(kernel);
    relays.set(kernel, relay);
  }
  return relay;
}

/**
 * The MCP routing core both frontends share: client sessions, aggregation, and the two-way relay
 * between each session and the backends (progress, cancellation, logging, list changes,
 * subscriptions, and the backends' own requests to clients).
 */
export class Relay {
  readonly supervisor: Supervisor;
  readonly catalog: Catalog;
  readonly sessions = new Map<string, FrontSession>();
  readonly #logger: Logger;
  readonly #configurers = new Map<string, (client: Client) => void>();
  /** Calls in flight per server and session (what tells a shared backend's requests apart). */
  readonly #active = new Map<string, Map<string, number>>();
  /** Shared servers seen asking clients during calls: sessions take turns on them. */
  readonly #asking = new Set<string>();
  readonly #queues = new Map<string, Waiter[]>();

  constructor(private readonly kernel: Kernel) {
    this.supervisor = kernel.container.resolve(coreTokens.supervisor);
    this.#logger = kernel.logger.child({ component: "relay" });
    this.catalog = new Catalog(kernel, this.supervisor, this.#logger);
    this.supervisor.onNotification((event) => this.#fanOut(event));
    // Every shared backend, whoever starts it (a session, pass-through, an admin start, autostart),
    // declares every client capability and hands its own requests to the relay.
    this.supervisor.useSharedSetup((server) => ({ capabilities: SHARED_BACKEND_CAPABILITIES, configure: this.configureFor(server) }));
  }

  /** A new client session over all servers (`scope.server` undefined) or one; connect its `server` to a transport. */
  async openSession(scope: SessionScope, version: string): Promise<FrontSession> {
    if (scope.server !== undefined) this.supervisor.get(scope.server);
    const name = scope.server === undefined ? "mcpgw" : `mcpgw/${scope.server}`;
    const cached = scope.server === undefined ? undefined : (await this.supervisor.capabilities(scope.server))?.initialize;
    const capabilities = cached ? withoutTasks(cached.capabilities as ServerCapabilities) : AGGREGATE_CAPABILITIES;
    // Sessions (the SDK's Server, its JSON Schema validator and its types) load with the first one, not at boot.
    const { FrontSession } = await import("./FrontSession.js");
    const session = new FrontSession(this, scope, { name, version }, capabilities, cached?.instructions);
    this.sessions.set(session.id, session);
    session.server.onclose = () => void this.closeSession(session);
    return session;
  }

  /** Ends a session: its per-session backends stop; closing twice is harmless. */
  async closeSession(session: FrontSession): Promise<void> {
    if (!this.sessions.delete(session.id)) return;
    for (const key of this.#configurers.keys()) if (key.endsWith(`\u0000${session.id}`)) this.#configurers.delete(key);
    await session.server.close().catch(() => {});
    await this.supervisor.releaseSession(session.id).catch((error) => this.#logger.warn(`Releasing session backends failed: ${errorMessage(error)}`));
  }

  isIsolated(server: string): boolean {
    return this.kernel.config.servers.find((definition) => definition.id === server)?.isolation === "session";
  }

  /**
   * Installs the handler for a backend's own requests (sampling, elicitation, roots, vendor) on
   * each new backend client of `server`; `owner` is the session of an `isolation: session` backend.
   */
  configureFor(server: string, owner?: string): (client: Client) => void {
    const key = `${server}\u0000${owner ?? ""}`;
    let configure = this.#configurers.get(key);
    if (!configure) {
      configure = (client) => {
        client.fallbackRequestHandler = async (request, extra) => {
          const { method, params } = request as JSONRPCRequest;
          const target = owner === undefined ? this.#sessionFor(server, method) : this.sessions.get(owner);
          if (!target) throw noSession(server, method);
          return target.ask(method, params as Params | undefined, target.inFlightTo(server), extra.signal);
        };
      };
      this.#configurers.set(key, configure);
    }
    return configure;
  }

  /** Requests on the aggregated endpoint: lists merged, names and URIs routed to their server. */
  async aggregate(session: FrontSession, method: string, params: Params, extra: Extra): Promise<Result> {
    const base = (server: string) => session.acquireOptions(server);
    if (method.endsWith("/list") && params.cursor !== undefined) throw invalidParams(`Unknown cursor for ${method}: the gateway returns every item in one page`);
    switch (method) {
      case "tools/list":
        return { tools: await this.catalog.tools(base) };
      case "prompts/list":
        return { prompts: await this.catalog.prompts(base) };
      case "resources/list":
        return { resources: await this.catalog.resources(base) };
      case "resources/templates/list":
        return { resourceTemplates: await this.catalog.resourceTemplates(base) };
      case "tools/call":
      case "prompts/get": {
        const name = String(params.name);
        const route = method === "tools/call" ? await this.catalog.routeTool(name, base) : await this.catalog.routePrompt(name, base);
        if (!route) throw invalidParams(`Unknown ${method === "tools/call" ? "tool" : "prompt"}: ${name}`);
        return session.forward(route.server, method, { ...params, name: route.name }, extra);
      }
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = String(params.uri);
        const server = await this.catalog.routeResource(uri, base);
        if (!server) throw invalidParams(`Unknown resource: ${uri}`);
        return method === "resources/read" ? session.forward(server, method, params, extra) : this.subscription(session, server, method, params, extra);
      }
      case "completion/complete":
        return this.#complete(session, params, extra);
      default:
        return this.#vendor(session, method, params, extra);
    }
  }

  /**
   * resources/subscribe and unsubscribe, remembered per session so updates reach only subscribers;
   * a shared backend is told to unsubscribe only when no other session still listens.
   */
  async subscription(session: FrontSession, server: string, method: string, params: Params, extra: Extra): Promise<Result> {
    const uri = String(params.uri);
    if (method === "resources/subscribe") {
      const result = await session.forward(server, method, params, extra);
      session.subscriptions.add(uri);
      return result;
    }
    session.subscriptions.delete(uri);
    const stillWanted = !this.isIsolated(server) && [...this.sessions.values()].some((other) => other.sees(server) && other.subscriptions.has(uri));
    return stillWanted ? {} : session.forward(server, method, params, extra);
  }

  /**
   * Log level: kept per session (messages are filtered per session) and passed on to the running
   * backends that log. A shared backend gets the most verbose level any of its sessions asked for,
   * so one client's "error" does not silence another's "debug".
   */
  async setLevel(session: FrontSession, level: string, extra: Extra): Promise<void> {
    const servers = session.scope.server !== undefined ? [session.scope.server] : this.supervisor.ids();
    await Promise.all(
      servers.map(async (server) => {
        if (this.supervisor.get(server).status !== "running") return;
        const snapshot = await this.supervisor.capabilities(server);
        if (!snapshot?.initialize.capabilities.logging) return;
        const wanted = this.isIsolated(server) ? level : mostVerbose([...this.sessions.values()].filter((other) => other.sees(server)).map((other) => other.logLevel));
        await session.forward(server, "logging/setLevel", { level: wanted ?? level }, extra).catch((error) => this.#logger.debug({ server }, `logging/setLevel failed: ${errorMessage(error)}`));
      }),
    );
  }

  /** The client's roots changed: tell the running backends this session uses. */
  async rootsChanged(session: FrontSession): Promise<void> {
    for (const server of session.attached) {
      if (this.supervisor.get(server).status !== "running") continue;
      const instance = await this.supervisor.acquire(server, session.acquireOptions(server)).catch(() => undefined);
      await instance?.client?.sendRootsListChanged().catch(() => {});
    }
  }

  async #complete(session: FrontSession, params: Params, extra: Extra): Promise<Result> {
    const ref = (params.ref ?? {}) as Params;
    const base = (server: string) => session.acquireOptions(server);
    if (ref.type === "ref/prompt") {
      const route = await this.catalog.routePrompt(String(ref.name), base);
      if (!route) throw invalidParams(`Unknown prompt: ${String(ref.name)}`);
      return session.forward(route.server, "completion/complete", { ...params, ref: { ...ref, name: route.name } }, extra);
    }
    const server = await this.catalog.routeResource(String(ref.uri), base);
    if (!server) throw invalidParams(`Unknown resource: ${String(ref.uri)}`);
    return session.forward(server, "completion/complete", params, extra);
  }

  /** A method the gateway does not know: the first running server that answers it (not "method not found") wins. */
  async #vendor(session: FrontSession, method: string, params: Params, extra: Extra): Promise<Result> {
    for (const server of this.supervisor.ids()) {
      if (this.supervisor.get(server).status !== "running") continue;
      try {
        return await session.forward(server, method, params, extra);
      } catch (error) {
        if (toWireError(error).code !== -32601) throw error;
      }
    }
    throw methodNotFound(method);
  }

  /**
   * Which session a shared backend's own request (sampling, elicitation, roots, vendor) is for. The
   * wire does not say, so it must be the one session with calls in flight to it (or, with none in
   * flight, the only session that uses it). With several in flight the request is refused rather
   * than risk asking the wrong client, and from then on sessions take turns on that backend.
   */
  #sessionFor(server: string, method: string): FrontSession {
    const busy = [...(this.#active.get(server)?.keys() ?? [])];
    // roots/list is mostly sent unprompted (after initialize, after roots/list_changed), not as part of a call.
    if (busy.length > 0 && method !== "roots/list") this.#markAsking(server);
    if (busy.length === 1) {
      const session = this.sessions.get(busy[0]!);
      if (!session) throw noSession(server, method);
      return session;
    }
    if (busy.length > 1) {
      throw new WireError(
        RpcCode.InternalError,
        `Server '${server}' sent ${method} while ${busy.length} client sessions had calls in flight to it; the gateway cannot tell which client it is for. Sessions now take turns on this server; set isolation: session to give each its own`,
      );
    }
    const attached = [...this.sessions.values()].filter((session) => session.sees(server) && session.attached.has(server));
    if (attached.length === 1) return attached[0]!;
    throw noSession(server, method);
  }

  #markAsking(server: string): void {
    if (this.#asking.has(server)) return;
    this.#asking.add(server);
    this.#logger.info({ server }, "This shared server asks clients (sampling, elicitation) during calls: client sessions now take turns on it (set isolation: session to let them run in parallel)");
  }

  /**
   * Waits for this session's turn on a shared server that asks clients (no other session's call in
   * flight, and nobody queued before it), then counts the call; the returned function ends it.
   * Other servers, and calls of the session holding the turn, go at once.
   */
  async enter(server: string, session: { readonly id: string }, signal?: AbortSignal): Promise<() => void> {
    const queue = this.#queues.get(server) ?? [];
    const gated = this.#asking.has(server) && !this.isIsolated(server);
    // The session holding the turn goes on at once (even past a queue: its client may be answering
    // one of the backend's requests by calling it again); others wait for the turn, first come first served.
    const holds = this.#active.get(server)?.has(session.id) ?? false;
    if (gated && !holds && (queue.length > 0 || this.#othersActive(server, session.id))) {
      this.#queues.set(server, queue);
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new WireError(RpcCode.RequestTimeout, "Cancelled while waiting for its turn on the server"));
        };
        const entry: Waiter = {
          session: session.id,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        queue.push(entry);
        signal?.addEventListener("abort", onAbort, { once: true });
        if (signal?.aborted) onAbort();
      });
    } else {
      this.#count(server, session.id, 1);
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#count(server, session.id, -1);
      this.#grantTurns(server);
    };
  }

  #othersActive(server: string, session: string): boolean {
    const active = this.#active.get(server);
    return active !== undefined && [...active.keys()].some((id) => id !== session);
  }

  #count(server: string, session: string, delta: number): void {
    const active = this.#active.get(server) ?? new Map<string, number>();
    const next = (active.get(session) ?? 0) + delta;
    if (next > 0) active.set(session, next);
    else active.delete(session);
    if (active.size > 0) this.#active.set(server, active);
    else this.#active.delete(server);
  }

  /** First come, first served: queued calls go while the head of the queue may. */
  #grantTurns(server: string): void {
    const queue = this.#queues.get(server);
    while (queue && queue.length > 0 && !this.#othersActive(server, queue[0]!.session)) {
      const entry = queue.shift()!;
      this.#count(server, entry.session, 1);
      entry.grant();
    }
    if (queue?.length === 0) this.#queues.delete(server);
  }

  #fanOut({ server, session: owner, notification }: BackendNotification): void {
    const targets = [...this.sessions.values()].filter((session) => session.sees(server) && (owner === undefined || session.id === owner));
    const params = (notification.params ?? {}) as Params;
    for (const session of targets) {
      if (LIST_CHANGED.has(notification.method)) session.notify({ method: notification.method });
      else if (notification.method === "notifications/message") session.log(server, params);
      else if (notification.method === "notifications/resources/updated") {
        if (session.subscriptions.has(String(params.uri))) session.notify(notification, server);
      } else session.notify(notification, server);
    }
  }
}

/** Tasks (2025-11-25, experimental) are not relayed, so they are not advertised. */
function withoutTasks(capabilities: ServerCapabilities): ServerCapabilities {
  const { tasks: _tasks, ...rest } = capabilities as ServerCapabilities & { tasks?: unknown };
  return rest;
}

function noSession(server: string, method: string): WireError {
  return new WireError(RpcCode.InternalError, `Server '${server}' sent ${method}, but no client session is waiting on it`);
}

import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ResultSchema,
  SetLevelRequestSchema,
  type ClientCapabilities,
  type JSONRPCRequest,
  type Notification,
  type Result,
  type ServerCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { AcquireOptions } from "../supervisor/Supervisor.js";
import type { Relay } from "./Relay.js";
import { toWireError } from "./wireErrors.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Params = Record<string, unknown>;

const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
/** How long a server→client request (sampling, elicitation: a human may be answering) may take. */
const CLIENT_REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * How long a result waits after the call's last progress notification went out. SDK clients (through
 * 1.32) drop a progress notification that arrives in the same read as the result (typescript-sdk#2580):
 * they dispatch notifications a microtask later than responses. Keeping the two apart costs a call
 * at most this long, and only when its backend sent progress right before answering.
 */
const PROGRESS_GAP_MS = 15;

async function progressGap(lastProgressAt: number): Promise<void> {
  const wait = lastProgressAt + PROGRESS_GAP_MS - Date.now();
  if (lastProgressAt > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** The list methods and the field holding their items. */
const LIST_FIELDS: Readonly<Record<string, string>> = {
  "tools/list": "tools",
  "prompts/list": "prompts",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
};
/** A backend that keeps handing out cursors is cut off here rather than looping forever. */
const MAX_PAGES = 1_000;

/** Which servers a session sees: all of them, aggregated, or one with names unchanged. */
export type SessionScope = { readonly server?: string };

/**
 * One client session (a Streamable HTTP session, an SSE connection, a stdio process): an SDK
 * low-level Server whose every request goes through one relay function, so results and errors
 * pass through as the backends sent them.
 */
export class FrontSession {
  readonly id = randomUUID();
  readonly server: Server;
  readonly subscriptions = new Set<string>();
  /** Servers this session has sent requests to (where a shared backend's requests may be for it). */
  readonly attached = new Set<string>();
  #logLevel?: string;
  /** Front request ids forwarded to each server and still in flight, most recent last. */
  readonly #inFlight = new Map<string, Array<string | number>>();

  constructor(
    private readonly relay: Relay,
    readonly scope: SessionScope,
    info: { name: string; version: string },
    capabilities: ServerCapabilities,
    instructions: string | undefined,
  ) {
    this.server = new Server(info, {
      capabilities,
      ...(instructions && { instructions }),
      debouncedNotificationMethods: ["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"],
    });
    this.server.fallbackRequestHandler = (request, extra) => this.#handle(request as JSONRPCRequest, extra as Extra);
    // A one-server session whose backend does not log leaves logging/setLevel to the backend's own answer.
    if (capabilities.logging) this.server.setRequestHandler(SetLevelRequestSchema, (request, extra) => this.#setLevel(request.params.level, extra as Extra));
    this.server.fallbackNotificationHandler = async (notification) => {
      if (notification.method === "notifications/roots/list_changed") await this.relay.rootsChanged(this);
    };
  }

  /** The level this client set with logging/setLevel, if any. */
  get logLevel(): string | undefined {
    return this.#logLevel;
  }

  sees(server: string): boolean {
    return this.scope.server === undefined || this.scope.server === server;
  }

  /** What the supervisor needs to give this session its backend (its own one for `isolation: session`). */
  acquireOptions(server: string): AcquireOptions {
    if (!this.relay.isIsolated(server)) return { sessionId: this.id };
    return { sessionId: this.id, capabilities: mirrored(this.server.getClientCapabilities()), configure: this.relay.configureFor(server, this.id) };
  }

  /** The most recent front request in flight to `server`, so a backend's request can travel on its stream. */
  inFlightTo(server: string): string | number | undefined {
    return this.#inFlight.get(server)?.at(-1);
  }

  /** A backend's server→client request, asked of this session's client. */
  async ask(method: string, params: Params | undefined, relatedRequestId: string | number | undefined, signal: AbortSignal): Promise<Result> {
    try {
      return await this.server.request({ method, params } as ServerRequest, ResultSchema, { signal, relatedRequestId, timeout: CLIENT_REQUEST_TIMEOUT_MS });
    } catch (error) {
      throw toWireError(error);
    }
  }

  /** A backend's log message, if this session's level lets it through; loggers are labelled `<server>/<logger>` when aggregated. */
  log(server: string, params: Params): void {
    const level = String(params.level);
    if (this.#logLevel && LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.#logLevel)) return;
    const logger = this.scope.server === undefined ? [server, params.logger].filter(Boolean).join("/") : params.logger;
    this.notify({ method: "notifications/message", params: { ...params, ...(logger !== undefined && { logger }) } }, server);
  }

  /** Sends a notification, on the stream of a request in flight to `server` when there is one. */
  notify(notification: Notification, server?: string): void {
    const related = server === undefined ? undefined : this.inFlightTo(server);
    this.server.notification(notification as ServerNotification, related === undefined ? undefined : { relatedRequestId: related }).catch(() => {
      // The client went away; its transport's close ends the session.
    });
  }

  /** Forwards one request to `server`, relaying progress and cancellation; the result is the backend's, untouched. */
  async forward(server: string, method: string, params: Params, extra: Extra): Promise<Result> {
    const { _meta, ...rest } = params as Params & { _meta?: Params };
    const { progressToken, ...meta } = _meta ?? {};
    const backendParams = Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
    let delivered: Promise<unknown> = Promise.resolve();
    let lastProgressAt = 0;
    const onProgress =
      progressToken === undefined
        ? undefined
        : (progress: Params) => {
            // Chained so they leave in order, and awaited so the last one goes out before the result.
            lastProgressAt = Date.now();
            delivered = delivered.then(() => extra.sendNotification({ method: "notifications/progress", params: { ...progress, progressToken } } as ServerNotification)).catch(() => {});
          };
    this.attached.add(server);
    let leave: () => void;
    try {
      leave = await this.relay.enter(server, this, extra.signal);
    } catch (error) {
      throw toWireError(error);
    }
    const list = this.#inFlight.get(server) ?? [];
    this.#inFlight.set(server, list);
    list.push(extra.requestId);
    try {
      const result = await this.relay.supervisor.request(server, { method, params: backendParams }, { signal: extra.signal, onProgress, ...this.acquireOptions(server) });
      await delivered;
      await progressGap(lastProgressAt);
      return result;
    } catch (error) {
      await delivered;
      throw toWireError(error);
    } finally {
      list.splice(list.indexOf(extra.requestId), 1);
      leave();
    }
  }

  async #handle(request: JSONRPCRequest, extra: Extra): Promise<Result> {
    const params = (request.params ?? {}) as Params;
    const only = this.scope.server;
    if (only !== undefined) {
      if (request.method === "resources/subscribe" || request.method === "resources/unsubscribe") return this.relay.subscription(this, only, request.method, params, extra);
      const listed = LIST_FIELDS[request.method];
      if (listed && params.cursor === undefined) return this.#listAll(only, request.method, listed, params, extra);
      return this.forward(only, request.method, params, extra);
    }
    return this.relay.aggregate(this, request.method, params, extra);
  }

  /**
   * A list on a one-server endpoint: every page of the backend's list, in one answer (clients such
   * as inspector v1 read only the first page). Items are passed on as the backend sent them.
   */
  async #listAll(server: string, method: string, field: string, params: Params, extra: Extra): Promise<Result> {
    const first = await this.forward(server, method, params, extra);
    const items = Array.isArray(first[field]) ? [...(first[field] as unknown[])] : [];
    let cursor = first.nextCursor;
    for (let page = 1; typeof cursor === "string" && cursor !== "" && page < MAX_PAGES; page++) {
      const next = await this.forward(server, method, { ...params, cursor }, extra);
      if (Array.isArray(next[field])) items.push(...(next[field] as unknown[]));
      cursor = next.nextCursor;
    }
    const { nextCursor: _nextCursor, ...rest } = first;
    return { ...rest, [field]: items };
  }

  async #setLevel(level: string, extra: Extra): Promise<Result> {
    this.#logLevel = level;
    await this.relay.setLevel(this, level, extra);
    return {};
  }
}

function mirrored(front: ClientCapabilities | undefined): ClientCapabilities {
  return {
    ...(front?.sampling && { sampling: front.sampling }),
    ...(front?.elicitation && { elicitation: front.elicitation }),
    ...(front?.roots && { roots: { listChanged: true } }),
  };
}

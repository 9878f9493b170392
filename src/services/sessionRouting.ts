import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../kernel/hooks.js";
import type { SessionInfo } from "../mcp/types.js";

/** What an HTTP session is bound to: who opened it, on which route and transport. */
export interface SessionRoute {
  readonly principal: Principal;
  /** The one server of `/mcp/:id` or `/sse/:id`; undefined on the aggregated routes. */
  readonly server?: string;
  readonly transport: "streamable-http" | "sse";
}

/** What a Streamable HTTP client said in its initialize: enough to take its session over elsewhere. */
export interface SessionStart {
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: { readonly name: string; readonly version: string };
}

/** One event of a Streamable HTTP session's streams, as its replay buffer keeps it (`Last-Event-ID`). */
export interface StreamEvent {
  /** The SSE event id, `<seq>.<stream id>`. */
  readonly id: string;
  /** The JSON-RPC message sent; none for a stream's priming event, which only marks a position. */
  readonly json?: string;
}

/** What a session's gone owner had learned after its initialize, as the other replicas share it (Redis). */
export interface SessionFacts {
  /** The resource URIs the client subscribed to, as it sent them. */
  readonly subscriptions: readonly string[];
  /** The level of the client's last logging/setLevel. */
  readonly logLevel?: string;
  /** The events its streams sent, oldest first: a stream can be resumed with Last-Event-ID after adoption. */
  readonly events: readonly StreamEvent[];
}

/**
 * `relayed`: the owner answered (the response went through). `gone`: nothing was written; the
 * frontend answers 404. `adopt`: the owner is gone but every backend of the session exists here too:
 * the frontend serves the session here under the same id, replaying the client's initialize, then
 * what `facts` holds (subscriptions, log level, stream events) when the replicas share them.
 */
export type RelayOutcome = "relayed" | "gone" | { readonly adopt: SessionStart; readonly facts?: SessionFacts };

/** A request naming a session id this replica does not hold. */
export interface ForeignSessionRequest {
  readonly sessionId: string;
  readonly route: SessionRoute;
  /** Untouched: its body is still unread, so it can be streamed on as it arrives. */
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/**
 * Where HTTP sessions live when several replicas serve one endpoint (the cluster plugin provides it).
 * Without a provider, session ids are random and every session is local.
 */
export interface SessionRouting {
  /**
   * The id a new session is known by on the wire (`start`: its initialize, on Streamable HTTP); throws
   * a GatewayError to refuse the session (a draining replica).
   */
  newSessionId(route: SessionRoute, start?: SessionStart): string;
  /**
   * Answers a request for a session held elsewhere: relayed to its owner (streams included), or,
   * having written nothing and left the body unread, gone (404 at once, so the client
   * re-initializes) or to be adopted here.
   */
  relay(request: ForeignSessionRequest): Promise<RelayOutcome>;
  /** The client ended the session (DELETE): it must not be adopted anywhere later. */
  deleted?(sessionId: string): void;
  /** The session that `relay` offered for adoption is now served here. */
  adopted?(sessionId: string): void;
  /**
   * This replica now serves the Streamable HTTP session `sessionId` (opened or adopted) as the MCP
   * core's session `session`, whose requests the pipeline's hooks see under `session.id`.
   */
  serving?(sessionId: string, session: SessionInfo): void;
  /** An event of the session's streams, called before the event is sent (so a copy elsewhere is never behind the client). */
  eventStored?(sessionId: string, event: StreamEvent): void;
}

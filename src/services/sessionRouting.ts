import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../kernel/hooks.js";

/** What an HTTP session is bound to: who opened it, on which route and transport. */
export interface SessionRoute {
  readonly principal: Principal;
  /** The one server of `/mcp/:id` or `/sse/:id`; undefined on the aggregated routes. */
  readonly server?: string;
  readonly transport: "streamable-http" | "sse";
}

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
  /** The id a new session is known by on the wire; throws a GatewayError to refuse the session (a draining replica). */
  newSessionId(route: SessionRoute): string;
  /**
   * Answers a request for a session held elsewhere (relayed to its owner, streams included) and
   * resolves true; resolves false, having written nothing, when no replica can serve it (the
   * frontend answers 404 at once, so the client re-initializes).
   */
  relay(request: ForeignSessionRequest): Promise<boolean>;
}

import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Principal } from "../kernel/hooks.js";
import type { ModernRequest } from "./ModernCall.js";
import type { ParkedCall, ParkedState } from "./ParkedCalls.js";
import type { FrontTransport, RpcErrorBody, SessionInfo } from "./types.js";

/** One client session: connect it to a transport and the gateway serves MCP on it. */
export interface McpSession {
  readonly info: SessionInfo;
  /** Starts serving on `transport` (the SDK's server transports, or any implementation of its Transport). */
  connect(transport: Transport): Promise<void>;
  /** Ends the session; its per-session backends stop. Closing twice is harmless. */
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Serve this one server with names unchanged; undefined aggregates every server. */
  readonly server?: string;
  readonly principal: Principal;
  readonly transport: FrontTransport;
}

/** A JSON-RPC message for one server on the original gateway's pass-through routes. */
export interface PassThroughMessage {
  readonly id?: string | number | null;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export type PassThroughReply =
  | { readonly kind: "accepted" }
  | { readonly kind: "result"; readonly result: Record<string, unknown> }
  | { readonly kind: "error"; readonly error: RpcErrorBody };

/**
 * The MCP core as frontends use it: client sessions (every request of which goes through the
 * request pipeline), the pass-through of single messages, and refusals to report. Resolve it with
 * `mcpTokens.sessions` from `configLoaded` on (not in `inspect` mode).
 */
export interface McpSessions {
  /** Configured server ids, in config order; with a principal, only the ones it may use (its `servers`). */
  servers(principal?: Principal): readonly string[];
  open(options: OpenSessionOptions): Promise<McpSession>;
  get(id: string): McpSession | undefined;
  list(): SessionInfo[];
  /**
   * One message for `server`, outside any session (`/rpc`, `/mcp` with `server_id`). Gateway-side
   * failures (unknown server, start failure, timeout) reject with a GatewayError, so an HTTP
   * frontend can answer them with a status. `signal` cancels the call at the backend (the client left).
   */
  passThrough(
    server: string,
    message: PassThroughMessage,
    principal: Principal,
    signal?: AbortSignal,
  ): Promise<PassThroughReply>;
  /**
   * One request of the 2026-07-28 era (no session) through the same pipeline as a session's: its
   * result, an `input_required` result when a backend asks the client something, or a rejection with
   * the JSON-RPC error the client gets (code, message, data).
   */
  modern(
    request: ModernRequest,
    id: string | number,
    method: string,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  /** What `/mcp` (no server) or `/mcp/:id` presents to a 2026-07-28 client, from the capability cache: nothing starts. */
  identity(server?: string): Promise<FrontIdentity>;
  /**
   * What 2026-07-28 listen streams are told: a server's tools, prompts or resources list changed (a
   * backend said so, or a reload changed the server or what clients see of it), or one of its
   * resources was updated. Returns the function that stops listening.
   */
  changes(listener: (change: FrontChange) => void): () => void;
  /**
   * Subscribes a shared backend to `uri` (routed as a read would be) for a listen stream of
   * `principal` on `scope` (`/mcp/:id`) or the aggregated endpoint; the returned function ends it.
   * Subscriptions are counted: the backend is unsubscribed when the last one ends.
   */
  subscribeResource(principal: Principal, scope: string | undefined, uri: string): Promise<() => void>;
  /** The parked call a retry's verified `requestState` names, if it still waits and is `principal`'s. */
  parkedCall(state: ParkedState, principal: Principal): ParkedCall | undefined;
  /**
   * Tells the pipeline's observers about a request a frontend refused before it reached the pipeline
   * (authentication); `server` when the frontend knows the target (a one-server route, pass-through).
   */
  refused(
    message: unknown,
    principal: Principal,
    transport: FrontTransport,
    error: RpcErrorBody,
    server?: string,
  ): void;
}

/** What a front presents: the name, version and capabilities it answers initialize or server/discover with. */
export interface FrontIdentity {
  readonly serverInfo: { readonly name: string; readonly version: string } & Record<string, unknown>;
  readonly capabilities: Record<string, unknown>;
  readonly instructions?: string;
}

/** A change a 2026-07-28 listen stream may hear of (see McpSessions.changes). */
export type FrontChange =
  | { readonly server: string; readonly kind: "tools" | "prompts" | "resources" }
  | { readonly server: string; readonly kind: "resource"; readonly uri: string };

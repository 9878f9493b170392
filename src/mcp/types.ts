import type { Principal } from "../kernel/hooks.js";

/**
 * How a client reached the gateway. `pass-through` is the original's `/rpc` and `/mcp` with
 * `server_id`; a third-party frontend names its own.
 */
export type FrontTransport = "streamable-http" | "sse" | "stdio" | "pass-through" | (string & {});

/** One client session, as plugins see it. */
export interface SessionInfo {
  readonly id: string;
  /** Who opened it; only this principal may use the session. */
  readonly principal: Principal;
  readonly transport: FrontTransport;
  /** The one server a `/mcp/:id`, `/sse/:id` or `stdio --server` session sees; undefined when aggregated. */
  readonly server?: string;
  readonly openedAt: Date;
}

/**
 * One MCP request on its way through the pipeline. Before the first stage the gateway has read the
 * target from the method and params: `server`, and `name` (the name the backend knows) for a call
 * or a prompt or `backendUri` (the URI it knows) for a resource; undefined for what the gateway
 * answers itself (lists, unknown names). Taps of `shape` and `route` may change `params`, `name`,
 * `backendUri` and `server`.
 */
export interface McpRequest {
  /** The JSON-RPC id the client sent. */
  readonly id: string | number;
  readonly method: string;
  params: Record<string, unknown>;
  readonly principal: Principal;
  readonly transport: FrontTransport;
  /** Undefined for pass-through requests, which have no session. */
  readonly session?: SessionInfo;
  /** The tool or prompt name as the client sent it (`tools/call`, `prompts/get`, prompt completions). */
  readonly exposedName?: string;
  /** The resource URI of `resources/*` and resource completions, as the client sent it. */
  readonly uri?: string;
  server?: string;
  name?: string;
  /**
   * The resource URI as `server` knows it: `uri`, except on the aggregated endpoint for a URI
   * exposed as `mcpgw://<server>/<uri>` (another server has the same URI).
   */
  backendUri?: string;
  /** `Date.now()` when the request arrived. */
  readonly receivedAt: number;
  /**
   * The W3C trace context of the HTTP request that carried it (`traceparent` / `tracestate`
   * headers; Streamable HTTP and SSE). A client may also send it in `params._meta`.
   */
  readonly traceContext?: TraceContext;
  /** Per-request state that taps share (use a Symbol or your plugin's name as the key). */
  readonly state: Map<string | symbol, unknown>;
}

export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** Where a request ended: refused by a stage, or answered (or failed) by the backend or the gateway. */
export type RequestStage = "authenticate" | "authorize" | "shape" | "route" | "dispatch";

export interface RpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export type RequestOutcome =
  | { readonly ok: true; readonly result: Record<string, unknown>; readonly durationMs: number }
  | { readonly ok: false; readonly error: RpcErrorBody; readonly stage: RequestStage; readonly durationMs: number };

export type ListKind = "tools" | "prompts" | "resources" | "resourceTemplates";

/** One entry of a list a client receives, with where it came from. Taps may change `item` or leave the entry out. */
export interface ListedItem {
  readonly server: string;
  /** The backend's own name (tools, prompts) or URI / URI template (resources). */
  readonly original: string;
  item: Record<string, unknown>;
}

export interface ListContext {
  readonly kind: ListKind;
  readonly principal: Principal;
  readonly transport: FrontTransport;
  readonly session?: SessionInfo;
  /** The one server listed, or undefined for the aggregated list of every server. */
  readonly server?: string;
}

/**
 * A message a backend sends towards a client: a notification (progress excepted: it follows its
 * call), or a request (sampling, elicitation, roots, vendor). Taps may change `params`, or `drop()`
 * it: a dropped notification is not delivered, a dropped request is answered with an error.
 */
export interface BackendMessage {
  readonly kind: "notification" | "request";
  readonly server: string;
  /** The session it goes to. */
  readonly session: SessionInfo;
  readonly method: string;
  params: Record<string, unknown>;
  drop(reason: string): void;
  readonly dropped?: string;
}

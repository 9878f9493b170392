import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ConfigSchema, GatewayConfig, ServerDefinition } from "../config/model.js";
import type { Logger } from "../kernel/logger.js";

/** What a runtime gets when it is asked to bring a server up. */
export interface RuntimeContext {
  readonly config: GatewayConfig;
  /** A child logger carrying `server: <id>` (and `session` for per-session instances). */
  readonly logger: Logger;
  /** Aborted when the start is abandoned (start timeout, shutdown). */
  readonly signal: AbortSignal;
}

export interface RuntimeConnectOptions {
  /** Bound for the whole connect, MCP initialize included (the start timeout). */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * One backend instance brought up by a runtime. The supervisor owns the MCP `Client`; the runtime
 * only decides how that client reaches the server. A runtime reports that its backend is gone by
 * closing the transport it connected (the client's `onclose` fires), never by throwing later.
 */
export interface BackendRuntime {
  /**
   * Connects `client` to the backend: `await client.connect(transport, options)`, which runs the
   * MCP initialize handshake. A runtime may try several transports (remote-sse falls back from
   * Streamable HTTP to legacy SSE); it rejects when none works or `timeoutMs` passes.
   */
  connect(client: Client, options: RuntimeConnectOptions): Promise<void>;
  /** The child's pid while a local process runs. */
  readonly pid?: number;
  /** Short facts for the admin API and logs (transport in use, url without secrets, ...). */
  describe?(): Readonly<Record<string, unknown>>;
  /**
   * The last lines the backend wrote to its diagnostics stream (a process's stderr), oldest first,
   * each cut short: a failed start quotes them to the client, who otherwise sees only "exited
   * with code 1" while the reason sits in a log it may not be able to read.
   */
  recentOutput?(): readonly string[];
  /** Releases everything the runtime created (closes the transport, ends the process); safe to call twice. */
  stop(): Promise<void>;
}

/** A runtime type a plugin adds: the `runtime.type` name, its options schema and the factory. */
export interface RuntimeDefinition<Options = unknown> {
  readonly type: string;
  readonly options: ConfigSchema<Options>;
  /**
   * One more instance of a server of this type is cheap: one more MCP session over connections it
   * shares with the others (remote-sse: Streamable HTTP or HTTP+SSE sessions over Node's pooled
   * keep-alive sockets), not one more process. Its servers then default to `isolation: session`:
   * each client session gets its own backend session, so whatever the backend sends on it (sampling,
   * elicitation, roots, log messages) is that client's, exactly. An entry's `isolation: shared` opts
   * out; calls without a client session (pass-through, admin starts) use one shared instance.
   * Runtimes that start a process per instance leave it unset.
   */
  readonly sessionPerClient?: boolean;
  /** Builds (does not yet connect) one backend instance for `server`; called once per start. */
  create(
    server: ServerDefinition & { runtime: Options & { type: string } },
    context: RuntimeContext,
  ): Promise<BackendRuntime>;
}

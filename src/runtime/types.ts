import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ConfigSchema, GatewayConfig, ServerDefinition } from "../config/model.js";
import type { Logger } from "../kernel/logger.js";

/** What a runtime gets when it is asked to bring a server up. */
export interface RuntimeContext {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Aborted when the start is abandoned (start timeout, shutdown). */
  readonly signal: AbortSignal;
}

/** A backend brought up by a runtime: an MCP transport plus what it takes to stop it. */
export interface BackendRuntime {
  /** Not yet started: whoever owns the backend connects an MCP client over it. */
  readonly transport: Transport;
  /** The child's pid while a local process runs. */
  readonly pid?: number;
  /** Releases everything the runtime created; safe to call twice. */
  stop(): Promise<void>;
}

/** A runtime type a plugin adds: the `runtime.type` name, its options schema and the factory. */
export interface RuntimeDefinition<Options = unknown> {
  readonly type: string;
  readonly options: ConfigSchema<Options>;
  create(server: ServerDefinition & { runtime: Options & { type: string } }, context: RuntimeContext): Promise<BackendRuntime>;
}

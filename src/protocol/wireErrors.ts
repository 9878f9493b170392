import { BackendError } from "./BackendError.js";
import { errorMessage, GatewayError } from "../kernel/errors.js";
import { isMcpError, RpcCode } from "./protocol.js";

/** An error the SDK's Protocol sends as a JSON-RPC error object exactly as given: code, message, data. */
export class WireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** The same error as a client may see it: message and data through the gateway's redactor. */
  redacted(redactor: { text(text: string): string; value<T>(value: T): T }): WireError {
    return new WireError(this.code, redactor.text(this.message), redactor.value(this.data));
  }

  /** The JSON-RPC error object: code, message, and data when there is any. */
  body(): { code: number; message: string; data?: unknown } {
    return { code: this.code, message: this.message, ...(this.data !== undefined && { data: this.data }) };
  }
}

/**
 * What a client receives for `error`: a backend's own JSON-RPC error untouched (the SDK prefixes
 * McpError messages with "MCP error N: "; that prefix is taken off again), gateway errors with
 * their JSON-RPC code and the server they name.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof WireError) return error;
  if (error instanceof BackendError) return new WireError(error.rpcCode, error.message, error.data);
  if (isMcpError(error)) return new WireError(error.code, error.message.replace(/^MCP error -?\d+: /, ""), error.data);
  if (error instanceof GatewayError)
    return new WireError(RpcCode.InternalError, error.message, { code: error.code, ...error.subject });
  return new WireError(RpcCode.InternalError, errorMessage(error));
}

export function invalidParams(message: string): WireError {
  return new WireError(RpcCode.InvalidParams, message);
}

export function methodNotFound(method: string): WireError {
  return new WireError(RpcCode.MethodNotFound, `Method not found: ${method}`);
}

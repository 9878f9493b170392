import { RpcCode } from "./protocol.js";
import { GatewayError, type GatewayErrorCode } from "../kernel/errors.js";

/**
 * An error about one backend server: a GatewayError (string code, message naming the server) that
 * also says how an MCP frontend should answer it: JSON-RPC error `rpcCode`, this message, `data`.
 */
export class BackendError extends GatewayError {
  readonly rpcCode: number;
  readonly data: { readonly server: string; readonly code: GatewayErrorCode };

  constructor(
    code: GatewayErrorCode,
    server: string,
    message: string,
    options?: { cause?: unknown; rpcCode?: number },
  ) {
    super(code, message, { server }, options);
    this.name = "BackendError";
    this.rpcCode = options?.rpcCode ?? RpcCode.InternalError;
    this.data = { server, code };
  }
}

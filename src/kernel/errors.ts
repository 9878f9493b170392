/** Every error the gateway raises carries one of these codes (Fastify's FST_ERR_* style). */
export type GatewayErrorCode =
  | "MCPGW_ERR_CONFIG"
  | "MCPGW_ERR_CONFIG_LOAD"
  | "MCPGW_ERR_PLUGIN_NOT_FOUND"
  | "MCPGW_ERR_PLUGIN_INVALID"
  | "MCPGW_ERR_PLUGIN_OPTIONS"
  | "MCPGW_ERR_PLUGIN_DEPENDENCY"
  | "MCPGW_ERR_PLUGIN_DUPLICATE"
  | "MCPGW_ERR_PLUGIN_APPLY"
  | "MCPGW_ERR_PLUGIN_HOOK"
  | "MCPGW_ERR_PLUGIN_TIMEOUT"
  | "MCPGW_ERR_PROVIDER_CONFLICT"
  | "MCPGW_ERR_RUNTIME_CONFLICT"
  | "MCPGW_ERR_RUNTIME_UNAVAILABLE"
  | "MCPGW_ERR_SERVER_NOT_FOUND"
  | "MCPGW_ERR_SERVER_START"
  | "MCPGW_ERR_SERVER_BACKOFF"
  | "MCPGW_ERR_SERVER_CRASHED"
  | "MCPGW_ERR_SERVER_STOPPED"
  | "MCPGW_ERR_SERVER_BUSY"
  | "MCPGW_ERR_INSTANCE_LIMIT"
  | "MCPGW_ERR_BACKEND_IO"
  | "MCPGW_ERR_REQUEST_TIMEOUT"
  | "MCPGW_ERR_SHUTTING_DOWN"
  | "MCPGW_ERR_LIFECYCLE"
  | "MCPGW_ERR_LISTEN"
  | "MCPGW_ERR_UNAUTHORIZED"
  | "MCPGW_ERR_FORBIDDEN"
  | "MCPGW_ERR_USAGE"
  | "MCPGW_ERR_BAD_REQUEST"
  | "MCPGW_ERR_NOT_FOUND";

/** What an error is about: the plugin, hook, server or config key it names. */
export interface GatewayErrorSubject {
  plugin?: string;
  hook?: string;
  server?: string;
  key?: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly subject: GatewayErrorSubject;

  constructor(
    code: GatewayErrorCode,
    message: string,
    subject: GatewayErrorSubject = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GatewayError";
    this.code = code;
    this.subject = subject;
  }
}

export function isGatewayError(value: unknown, code?: GatewayErrorCode): value is GatewayError {
  return value instanceof GatewayError && (code === undefined || value.code === code);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

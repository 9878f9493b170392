import type { McpRequest, RequestOutcome } from "./types.js";

/**
 * How a request ended, as metrics label it. `refused` and `auth` are the gateway saying no (a
 * policy, a key); the others after `ok` are failures of the server the request went to, except
 * `invalid` (the gateway found no target: an unknown tool or method) and `gateway_error`.
 */
export type OutcomeClass =
  | "ok"
  | "tool_error"
  | "backend_error"
  | "timeout"
  | "crash"
  | "unavailable"
  | "refused"
  | "auth"
  | "invalid"
  | "gateway_error";

export const OUTCOME_CLASSES: readonly OutcomeClass[] = [
  "ok",
  "tool_error",
  "backend_error",
  "timeout",
  "crash",
  "unavailable",
  "refused",
  "auth",
  "invalid",
  "gateway_error",
];

/** The classes a server's `error_count` counts: what went wrong at or on the way to the server. */
export const SERVER_ERRORS: ReadonlySet<OutcomeClass> = new Set([
  "tool_error",
  "backend_error",
  "timeout",
  "crash",
  "unavailable",
]);

/** The classes a principal's `refused_count` counts. */
export const REFUSALS: ReadonlySet<OutcomeClass> = new Set(["refused", "auth"]);

/** The server could not be reached: it did not start, backs off, was stopped, is full, or the gateway drains. */
const UNAVAILABLE = new Set([
  "MCPGW_ERR_SERVER_START",
  "MCPGW_ERR_SERVER_BACKOFF",
  "MCPGW_ERR_SERVER_STOPPED",
  "MCPGW_ERR_SERVER_BUSY",
  "MCPGW_ERR_INSTANCE_LIMIT",
  "MCPGW_ERR_BACKEND_IO",
  "MCPGW_ERR_SHUTTING_DOWN",
  "MCPGW_ERR_RUNTIME_UNAVAILABLE",
  "MCPGW_ERR_SERVER_NOT_FOUND",
]);

/** The class of a finished request: what request logs and metrics call its `outcome`. */
export function outcomeClass(request: McpRequest, outcome: RequestOutcome): OutcomeClass {
  if (outcome.ok) return outcome.result.isError === true ? "tool_error" : "ok";
  switch (outcome.stage) {
    case "authenticate":
      return "auth";
    case "authorize":
    case "shape":
    case "route":
      return "refused";
    case "dispatch":
      break;
  }
  // Gateway failures carry their MCPGW_ERR_* code in `data`; a backend's own error does not.
  const data = outcome.error.data as { code?: unknown } | undefined;
  const code = typeof data?.code === "string" ? data.code : undefined;
  if (code === "MCPGW_ERR_REQUEST_TIMEOUT") return "timeout";
  if (code === "MCPGW_ERR_SERVER_CRASHED") return "crash";
  if (code !== undefined && UNAVAILABLE.has(code)) return "unavailable";
  if (code?.startsWith("MCPGW_ERR_")) return "gateway_error";
  return request.server === undefined ? "invalid" : "backend_error";
}

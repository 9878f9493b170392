import type { Logger } from "../kernel/logger.js";
import { outcomeClass } from "./outcomeClass.js";
import type { McpRequest, RequestOutcome } from "./types.js";

/** A body logged at debug is cut past this many characters of JSON. */
const BODY_CHARS = 4096;

/**
 * One line per MCP request at info, on every frontend: who (session, principal, transport), what
 * (server, method, tool), how long and how it ended. Arguments and results only at debug. Every
 * line goes through the logger's redactor, like all the gateway writes.
 */
export function logRequest(logger: Logger, request: McpRequest, outcome: RequestOutcome): void {
  if (!logger.isLevelEnabled("info")) return;
  const kind = outcomeClass(request, outcome);
  const tool = request.exposedName ?? request.uri;
  const line: Record<string, unknown> = {
    event: "mcp_request",
    session: request.session?.id ?? null,
    principal: request.principal.id,
    transport: request.transport,
    server: request.server ?? null,
    method: request.method,
    tool: tool ?? null,
    duration_ms: outcome.durationMs,
    outcome: kind,
  };
  if (!outcome.ok) line.error = { code: outcome.error.code, message: outcome.error.message, stage: outcome.stage };
  if (logger.isLevelEnabled("debug")) {
    line.params = body(request.params);
    if (outcome.ok) line.result = body(outcome.result);
    else if (outcome.error.data !== undefined) line.error_data = body(outcome.error.data);
  }
  const target = [request.server, tool].filter((part) => part !== undefined).join(" ");
  logger.info(line, `${request.method}${target ? ` ${target}` : ""}: ${kind} in ${outcome.durationMs} ms`);
}

function body(value: unknown): unknown {
  const json = JSON.stringify(value) ?? "";
  return json.length <= BODY_CHARS ? value : `${json.slice(0, BODY_CHARS)}… (${json.length} characters)`;
}

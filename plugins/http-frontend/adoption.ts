import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isPlainObject, type SessionFacts, type SessionStart } from "open-mcp-gateway";

/** The facts of an initialize request a session can be re-created from; undefined when it lacks them. */
export function sessionStart(message: unknown): SessionStart | undefined {
  const params = isPlainObject(message) && isPlainObject(message.params) ? message.params : undefined;
  const info = params && isPlainObject(params.clientInfo) ? params.clientInfo : undefined;
  if (typeof params?.protocolVersion !== "string" || !isPlainObject(params.capabilities)) return undefined;
  if (typeof info?.name !== "string" || typeof info.version !== "string") return undefined;
  return {
    protocolVersion: params.protocolVersion,
    capabilities: params.capabilities,
    clientInfo: { name: info.name, version: info.version },
  };
}

/** SDK 1.x's Node transport wraps a web-standard one, which takes a Request without a socket. */
interface WebTransport {
  handleRequest(request: Request, options: { parsedBody: unknown }): Promise<Response>;
}

/**
 * Brings a fresh transport to where the session's client left its owner: the SDK mints a session id
 * only for an initialize it handled, so the client's own initialize (and `initialized`) is replayed
 * to it, and the answers are dropped. True when the transport now serves `sessionId`.
 */
export async function replayInitialize(
  transport: StreamableHTTPServerTransport,
  sessionId: string,
  start: SessionStart,
): Promise<boolean> {
  const web = webTransport(transport);
  const initialize = { jsonrpc: "2.0", id: "mcpgw-adopt", method: "initialize", params: start };
  const answer = await web.handleRequest(post(initialize), { parsedBody: initialize });
  await answer.text();
  if (answer.status !== 200 || transport.sessionId !== sessionId) return false;
  const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };
  const accepted = await web.handleRequest(post(initialized, sessionHeaders(sessionId, start)), {
    parsedBody: initialized,
  });
  await accepted.text();
  return accepted.status === 202;
}

/**
 * Replays what the client told the gone owner after its initialize, as the client sent it, so it goes
 * through the request pipeline here (the backends here learn it too): its log level, then each resource
 * subscription. Answers are dropped; how many requests failed is returned (a resource gone meanwhile).
 */
export async function replayFacts(
  transport: StreamableHTTPServerTransport,
  sessionId: string,
  start: SessionStart,
  facts: SessionFacts,
): Promise<number> {
  const web = webTransport(transport);
  const requests = [
    ...(facts.logLevel !== undefined ? [{ method: "logging/setLevel", params: { level: facts.logLevel } }] : []),
    ...facts.subscriptions.map((uri) => ({ method: "resources/subscribe", params: { uri } })),
  ];
  let failed = 0;
  for (const [index, request] of requests.entries()) {
    const message = { jsonrpc: "2.0", id: `mcpgw-adopt-${index + 1}`, ...request };
    const answer = await web.handleRequest(post(message, sessionHeaders(sessionId, start)), { parsedBody: message });
    if (answer.status !== 200 || (await answer.text()).includes('"error":')) failed += 1;
  }
  return failed;
}

function webTransport(transport: StreamableHTTPServerTransport): WebTransport {
  return (transport as unknown as { _webStandardTransport: WebTransport })._webStandardTransport;
}

function sessionHeaders(sessionId: string, start: SessionStart): Record<string, string> {
  return { "mcp-session-id": sessionId, "mcp-protocol-version": start.protocolVersion };
}

function post(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request("http://mcpgw.adoption/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

// The http-frontend's session limits: max_sessions (503 beyond it) and session_idle_seconds (an idle
// Streamable HTTP session is closed, its per-session backend stopped, its id then 404).
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ServerStateChange } from "../../src/kernel/hooks.js";
import { request } from "../helpers/http.js";
import { connectClient, nextEvent, nodeServer, RELAY_FIXTURE, startHttpGateway, until } from "./support.js";

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

test("max_sessions: the next initialize (or SSE connection) gets 503; a closed session makes room", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("iso", RELAY_FIXTURE, [], { isolation: "session" })],
    plugins: { "http-frontend": { max_sessions: 2 } },
  });
  const one = await connectClient(t, `${gateway.base}/mcp/iso`);
  await connectClient(t, `${gateway.base}/mcp`);
  const third = await request(gateway.port, { method: "POST", path: "/mcp", headers: HEADERS, body: INIT });
  assert.equal(third.status, 503);
  assert.equal(third.json().error.code, -32000);
  assert.match(third.json().error.message, /Too many open sessions \(2\)/);
  const sse = await request(gateway.port, { path: "/sse" });
  assert.equal(sse.status, 503);
  assert.equal(gateway.frontend.mcp.sessionCount, 2);
  assert.equal(gateway.relay.sessions.size, 2, "refused attempts leave no relay session");
  await (one.transport as StreamableHTTPClientTransport).terminateSession();
  const again = await request(gateway.port, { method: "POST", path: "/mcp", headers: HEADERS, body: INIT });
  assert.equal(again.status, 200, "room again for a new session");
});

test("session_idle_seconds: an idle Streamable HTTP session is closed, its per-session backend stopped, its id then 404", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("iso", RELAY_FIXTURE, [], { isolation: "session" })],
    plugins: { "http-frontend": { session_idle_seconds: 2 } },
  });
  const one = await connectClient(t, `${gateway.base}/mcp/iso`);
  const two = await connectClient(t, `${gateway.base}/mcp`);
  const stopped = nextEvent<ServerStateChange>(
    (deliver) => gateway.kernel.hooks.serverStateChanged.tap("limits-test", deliver),
    (change) => change.server === "iso" && change.to === "stopped",
    20_000,
    "the idle session's backend to stop",
  );
  assert.equal(
    ((await one.callTool({ name: "echo", arguments: { text: "x" } })).content as Array<{ text: string }>)[0]!.text,
    "echo: x",
  );
  const idOne = (one.transport as StreamableHTTPClientTransport).sessionId!;
  const idTwo = (two.transport as StreamableHTTPClientTransport).sessionId!;
  // No event marks the sweep: polled, bounded (idle 2 s, swept every 2 s).
  await until("idle sessions to be closed", () => gateway.frontend.mcp.sessionCount === 0, 20_000);
  await stopped;
  assert.equal(gateway.supervisor.get("iso").instances, 0);
  assert.equal(gateway.relay.sessions.size, 0);
  for (const [path, id] of [
    ["/mcp/iso", idOne],
    ["/mcp", idTwo],
  ] as const) {
    const gone = await request(gateway.port, {
      method: "POST",
      path,
      headers: { ...HEADERS, "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(gone.status, 404, path);
  }
});

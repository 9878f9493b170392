// The original gateway's REST API and pass-through routes, with its statuses and error bodies
// (reference: seed-behaviour.md section 2), and api_key auth on every MCP and REST route.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request, type RawResponse } from "../helpers/http.js";
import {
  connectClient,
  CONFORMANCE_FIXTURE,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "./support.js";

const KEY = "k-rest-test-0123456789";
const SECRET_HEADER = "Bearer hunter2-never-shown";
const SECRET_ENV = "s3cret-env-never-shown";
const auth = { authorization: `Bearer ${KEY}` };

const scope = suiteScope();
let gateway: TestGateway;

before(async () => {
  gateway = await startHttpGateway(scope, {
    api_key: KEY,
    servers: [
      nodeServer("relay", RELAY_FIXTURE, [], {
        display_name: "Relay fixture",
        description: "Pages by two",
        tags: ["demo", "relay"],
        env: { RELAY_TOKEN: SECRET_ENV },
      }),
      nodeServer("conf", CONFORMANCE_FIXTURE, [], { tags: ["demo"] }),
      {
        id: "broken",
        runtime: { type: "local-process", command: process.execPath, args: ["-e", "process.exit(1)"] },
        tags: ["faulty"],
      },
      {
        id: "remote",
        runtime: { type: "remote-sse", url: "http://127.0.0.1:9/mcp", headers: { Authorization: SECRET_HEADER } },
      },
    ],
  });
});
after(() => scope.cleanup());

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return request(gateway.port, {
    method: options.method ?? "GET",
    path,
    headers: { ...auth, ...(body !== undefined && { "content-type": "application/json" }), ...options.headers },
    ...(body !== undefined && { body }),
  });
}

test("GET /health: {status: ok}, no key needed", async () => {
  const health = await request(gateway.port, { path: "/health" });
  assert.equal(health.status, 200);
  assert.deepEqual(health.json(), { status: "ok" });
});

test("GET /servers lists every server in config order with the original's fields; ?tag= filters", async () => {
  const all = await call("/servers");
  assert.equal(all.status, 200);
  const list = all.json() as Array<Record<string, unknown>>;
  assert.deepEqual(
    list.map((server) => server.id),
    ["relay", "conf", "broken", "remote"],
  );
  const relay = list[0]!;
  assert.equal(relay.display_name, "Relay fixture");
  assert.equal(relay.description, "Pages by two");
  assert.deepEqual(relay.tags, ["demo", "relay"]);
  assert.equal(relay.runtime_type, "local-process");
  assert.equal(list[3]!.runtime_type, "remote-sse");
  for (const server of list) {
    assert.ok(
      ["stopped", "starting", "running", "unhealthy", "shutting_down", "backoff", "failed", "stopping"].includes(
        String(server.status),
      ),
      String(server.status),
    );
    assert.equal(typeof server.request_count, "number");
    assert.ok(!("started_at" in server) || typeof server.started_at === "string", "null fields are left out");
  }
  assert.deepEqual(
    (await call("/servers?tag=demo")).json().map((server: { id: string }) => server.id),
    ["relay", "conf"],
  );
  assert.deepEqual(
    (await call("/servers?tag=relay")).json().map((server: { id: string }) => server.id),
    ["relay"],
  );
  assert.deepEqual((await call("/servers?tag=none")).json(), []);
});

test("GET /servers/:id: runtime with secrets redacted, env keys only; 404 for an unknown id", async () => {
  const remote = await call("/servers/remote");
  assert.equal(remote.status, 200);
  assert.deepEqual(remote.json().runtime.headers, { Authorization: "[redacted]" });
  assert.equal(remote.json().runtime.type, "remote-sse");
  assert.ok(!remote.body.includes("hunter2"), "no header value anywhere");
  const relay = await call("/servers/relay");
  assert.deepEqual(relay.json().env, ["RELAY_TOKEN"]);
  assert.ok(!relay.body.includes(SECRET_ENV), "no env value anywhere");
  assert.deepEqual(relay.json().runtime.args, [RELAY_FIXTURE]);
  assert.equal(relay.json().runtime.command, process.execPath);
  assert.equal(typeof relay.json().connection_count, "number");
  const unknown = await call("/servers/nope");
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json(), { error: "Not Found", message: "Server 'nope' not found" });
});

test("POST /servers/:id/start and /stop: the original's messages, pid while running, 404 and 502", async () => {
  const alreadyStopped = await call("/servers/conf/stop", { method: "POST" });
  assert.equal(alreadyStopped.status, 200);
  assert.deepEqual(alreadyStopped.json(), { id: "conf", status: "stopped", message: "Server already stopped" });
  const started = await call("/servers/conf/start", { method: "POST" });
  assert.equal(started.status, 200);
  assert.deepEqual(started.json(), { id: "conf", status: "running", message: "Server started successfully" });
  const again = await call("/servers/conf/start", { method: "POST" });
  assert.deepEqual(again.json(), { id: "conf", status: "running", message: "Server already running" });
  const detail = (await call("/servers/conf")).json();
  assert.equal(detail.status, "running");
  assert.equal(typeof detail.pid, "number");
  assert.doesNotThrow(() => process.kill(detail.pid, 0), "the pid is a live process");
  assert.equal(typeof detail.started_at, "string");
  assert.equal(typeof detail.uptime_seconds, "number");
  const stopped = await call("/servers/conf/stop", { method: "POST" });
  assert.deepEqual(stopped.json(), { id: "conf", status: "stopped", message: "Server stopped successfully" });
  const after = (await call("/servers/conf")).json();
  assert.equal(after.status, "stopped");
  assert.equal("pid" in after, false, "no pid once stopped");

  for (const action of ["start", "stop"]) {
    const unknown = await call(`/servers/nope/${action}`, { method: "POST" });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: "Not Found", message: "Server 'nope' not found" });
  }
  const failed = await call("/servers/broken/start", { method: "POST" });
  assert.equal(failed.status, 502);
  assert.equal(failed.json().error, "Bad Gateway");
  // The original's words for a backend that exits before answering.
  assert.match(
    failed.json().message,
    /^Failed to start server: process exited with code 1 \(it wrote nothing to stderr\)$/,
  );
  assert.doesNotMatch(failed.json().message, /Failed to start server: Failed to start server/, "said once");
});

test("POST /mcp with server_id and POST /rpc with X-Server-ID: the backend's JSON-RPC reply, untouched", async () => {
  const viaMcp = await call("/mcp", {
    method: "POST",
    body: {
      server_id: "relay",
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hi" } },
    },
  });
  assert.equal(viaMcp.status, 200);
  assert.deepEqual(viaMcp.json(), { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "echo: hi" }] } });
  const viaRpc = await call("/rpc", {
    method: "POST",
    headers: { "x-server-id": "relay" },
    body: { jsonrpc: "2.0", id: "s-1", method: "acme/ping" },
  });
  assert.equal(viaRpc.status, 200);
  assert.deepEqual(viaRpc.json(), { jsonrpc: "2.0", id: "s-1", result: { pong: 42 } });
  // Pages are the backend's own (no aggregation, names unchanged, cursor passed on).
  const page = (
    await call("/rpc", {
      method: "POST",
      headers: { "x-server-id": "relay" },
      body: { jsonrpc: "2.0", id: 2, method: "tools/list" },
    })
  ).json();
  assert.deepEqual(
    page.result.tools.map((tool: { name: string }) => tool.name),
    ["tool_1", "tool_2"],
  );
  assert.equal(typeof page.result.nextCursor, "string");
  // Errors too: the backend's code, message and data.
  const notFound = (
    await call("/rpc", {
      method: "POST",
      headers: { "x-server-id": "relay" },
      body: { jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri: "relay://missing" } },
    })
  ).json();
  assert.deepEqual(notFound, {
    jsonrpc: "2.0",
    id: 3,
    error: {
      code: -32602,
      message: "MCP error -32602: Resource not found: relay://missing",
      data: { uri: "relay://missing" },
    },
  });
  const noMethod = (
    await call("/mcp", { method: "POST", body: { server_id: "relay", jsonrpc: "2.0", id: 4, method: "acme/unknown" } })
  ).json();
  // (The fixture throws the SDK's McpError, whose message already carries "MCP error N: " on the wire.)
  assert.deepEqual(noMethod, {
    jsonrpc: "2.0",
    id: 4,
    error: { code: -32601, message: "MCP error -32601: Method not found: acme/unknown" },
  });
  // initialize is answered with the backend's own initialize result.
  const init = (
    await call("/rpc", {
      method: "POST",
      headers: { "x-server-id": "relay" },
      body: {
        jsonrpc: "2.0",
        id: 5,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
      },
    })
  ).json();
  assert.equal(init.result.serverInfo.name, "mcpgw-relay-fixture");
});

test("pass-through: a notification is 202; a missing header, unknown server or bad body gets the original's errors", async () => {
  const note = await call("/rpc", {
    method: "POST",
    headers: { "x-server-id": "relay" },
    body: { jsonrpc: "2.0", method: "acme/note", params: { n: 1 } },
  });
  assert.equal(note.status, 202);
  assert.equal(note.body, "");
  const recorded = (
    await call("/rpc", {
      method: "POST",
      headers: { "x-server-id": "relay" },
      body: { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "records", arguments: {} } },
    })
  ).json();
  assert.ok(
    recorded.result.structuredContent.records.some(
      (record: { method?: string; params?: { n?: number } }) => record.method === "acme/note" && record.params?.n === 1,
    ),
    "the notification reached the backend",
  );
  const viaMcpNote = await call("/mcp", {
    method: "POST",
    body: { server_id: "relay", jsonrpc: "2.0", method: "acme/note" },
  });
  assert.equal(viaMcpNote.status, 202);

  const noHeader = await call("/rpc", { method: "POST", body: { jsonrpc: "2.0", id: 1, method: "ping" } });
  assert.equal(noHeader.status, 400);
  assert.deepEqual(noHeader.json(), { error: "Bad Request", message: "X-Server-ID header required" });
  const unknown = await call("/rpc", {
    method: "POST",
    headers: { "x-server-id": "nope" },
    body: { jsonrpc: "2.0", id: 1, method: "ping" },
  });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json(), { error: "Not Found", message: "Server 'nope' not found" });
  const unknownBody = await call("/mcp", {
    method: "POST",
    body: { server_id: "nope", jsonrpc: "2.0", id: 1, method: "ping" },
  });
  assert.equal(unknownBody.status, 404);
  assert.deepEqual(unknownBody.json(), { error: "Not Found", message: "Server 'nope' not found" });
  const badJson = await call("/rpc", { method: "POST", headers: { "x-server-id": "relay" }, body: "{nope" });
  assert.equal(badJson.status, 400);
  assert.equal(badJson.json().error, "Bad Request");
  const notRpc = await call("/rpc", { method: "POST", headers: { "x-server-id": "relay" }, body: { hello: "world" } });
  assert.equal(notRpc.status, 400);
  assert.equal(notRpc.json().error, "Bad Request");
  const broken = await call("/rpc", {
    method: "POST",
    headers: { "x-server-id": "broken" },
    body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
  });
  assert.equal(broken.status, 502);
  assert.equal(broken.json().error, "Bad Gateway");
});

const ROUTES: Array<[string, string]> = [
  ["GET", "/servers"],
  ["GET", "/servers/relay"],
  ["POST", "/servers/relay/start"],
  ["POST", "/servers/relay/stop"],
  ["POST", "/rpc"],
  ["POST", "/mcp"],
  ["GET", "/mcp"],
  ["DELETE", "/mcp"],
  ["POST", "/mcp/relay"],
  ["GET", "/mcp/relay"],
  ["DELETE", "/mcp/relay"],
  ["GET", "/sse"],
  ["GET", "/sse/relay"],
  ["POST", "/messages?sessionId=x"],
];

test("auth: every MCP and REST route answers 401 without a key and 403 with a wrong one; both header forms work", async (t) => {
  const body = JSON.stringify({ server_id: "relay", jsonrpc: "2.0", id: 1, method: "ping" });
  for (const [method, path] of ROUTES) {
    const none = await request(gateway.port, {
      method,
      path,
      headers: { "content-type": "application/json", "x-server-id": "relay" },
      body: method === "POST" ? body : undefined,
    });
    assert.equal(none.status, 401, `${method} ${path} without a key`);
    assert.deepEqual(none.json(), { error: "Unauthorized", message: "API key required" }, `${method} ${path}`);
    for (const headers of [{ authorization: "Bearer wrong" }, { "x-api-key": "wrong" }] as Array<
      Record<string, string>
    >) {
      const wrong = await request(gateway.port, {
        method,
        path,
        headers: { "content-type": "application/json", "x-server-id": "relay", ...headers },
        body: method === "POST" ? body : undefined,
      });
      assert.equal(wrong.status, 403, `${method} ${path} with a wrong key`);
      assert.deepEqual(wrong.json(), { error: "Forbidden", message: "Invalid API key" });
    }
  }
  assert.equal((await request(gateway.port, { path: "/servers", headers: { "x-api-key": KEY } })).status, 200);
  assert.equal(
    (await request(gateway.port, { path: "/servers", headers: { authorization: `Bearer ${KEY}` } })).status,
    200,
  );
  // MCP clients with the key, over Streamable HTTP and SSE.
  for (const path of ["/mcp", "/sse", "/mcp/relay"]) {
    const client = await connectClient(t, `${gateway.base}${path}`, { headers: auth });
    assert.ok((await client.listTools()).tools.length > 0, path);
  }
});

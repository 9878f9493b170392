// Hostile and unusual input on the MCP routes: newer-era probes, malformed JSON, batches, huge and deep
// bodies, unknown sessions, wrong protocol versions, foreign Host/Origin. The gateway answers each
// quickly and clearly, starts nothing, leaks nothing, and keeps serving.
import "reflect-metadata";
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import type { ServerStateChange } from "../../src/kernel/hooks.js";
import { request, type RawResponse } from "../helpers/http.js";
import { fixture } from "../supervisor/harness.js";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway, suiteScope, type TestGateway } from "./support.js";

const scope = suiteScope();
let gateway: TestGateway;
const changes: ServerStateChange[] = [];
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

before(async () => {
  gateway = await startHttpGateway(scope, {
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("noisy", fixture("noisy-server"))],
    plugins: { "http-frontend": { max_body_bytes: 1024 * 1024 } },
  });
  gateway.kernel.hooks.serverStateChanged.tap("bad-input-test", (change) => void changes.push(change));
});
after(() => scope.cleanup());

/** Fails instead of hanging. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return within(
    5_000,
    `POST ${path}`,
    request(gateway.port, { method: "POST", path, headers: { ...MCP_HEADERS, ...headers }, body }),
  );
}

async function stillServing(): Promise<void> {
  assert.equal((await request(gateway.port, { path: "/health" })).status, 200);
}

async function initialize(path = "/mcp"): Promise<string> {
  const init = await post(
    path,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  );
  assert.equal(init.status, 200, init.body);
  const sessionId = init.headers["mcp-session-id"] as string;
  assert.ok(sessionId);
  const initialized = await post(path, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "2025-11-25",
  });
  assert.equal(initialized.status, 202);
  return sessionId;
}

test("a 2026-07-28 probe (server/discover, version in _meta, no session) is answered at once: no session, no backend start", async () => {
  const discover = {
    jsonrpc: "2.0",
    id: 1,
    method: "server/discover",
    params: {
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "future", version: "1" },
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  };
  for (const path of ["/mcp", "/mcp/relay"]) {
    // The revision's headers present: the modern leg's DiscoverResult, from the capability cache.
    const started = Date.now();
    const answer = await post(path, JSON.stringify(discover), {
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "server/discover",
    });
    assert.ok(Date.now() - started < 2_000, "fast");
    assert.equal(answer.status, 200, `${path}: ${answer.body}`);
    assert.deepEqual(answer.json().result.supportedVersions, ["2026-07-28"]);
    // Without them: the revision's header-mismatch error (a 4xx a dual-era client falls back on).
    const bare = await post(path, JSON.stringify(discover));
    assert.equal(bare.status, 400, `${path}: ${bare.body}`);
    assert.equal(bare.json().id, 1);
    assert.equal(bare.json().error.code, -32020);
  }
  // A modern-era request with an incomplete envelope: refused, nothing started.
  const call = await post(
    "/mcp",
    JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/list",
      params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
    }),
  );
  assert.equal(call.status, 400);
  assert.equal(gateway.frontend.mcp.sessionCount, 0, "no session was opened");
  assert.equal(gateway.relay.sessions.size, 0, "no relay session leaked");
  assert.deepEqual(
    changes.filter((change) => change.to === "starting"),
    [],
    "no backend was started",
  );
  assert.equal(gateway.supervisor.get("relay").status, "stopped");
  await stillServing();
});

test("malformed JSON: 400 with JSON-RPC parse error -32700", async () => {
  for (const path of ["/mcp", "/mcp/relay"]) {
    const answer = await post(path, '{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(answer.status, 400);
    assert.equal(answer.json().error.code, -32700);
    assert.equal(answer.json().id, null);
  }
  const sessionId = await initialize();
  const inSession = await post("/mcp", "{not json", {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "2025-11-25",
  });
  assert.equal(inSession.status, 400);
  assert.equal(inSession.json().error.code, -32700);
  await stillServing();
});

test("a JSON-RPC batch is refused with a clear error, with or without a session; nothing crashes", async () => {
  const batch = JSON.stringify([
    { jsonrpc: "2.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", id: 2, method: "tools/list" },
  ]);
  const bare = await post("/mcp", batch);
  assert.equal(bare.status, 400);
  assert.equal(bare.json().error.code, -32600);
  assert.match(bare.json().error.message, /Batch requests are not supported/);
  const sessionId = await initialize();
  const inSession = await post("/mcp", batch, { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" });
  assert.equal(inSession.status, 400);
  assert.match(inSession.json().error.message, /Batch requests are not supported/);
  await stillServing();
});

test("a 5 MiB body gets 413 without being read in full (Content-Length and chunked)", async () => {
  const size = 5 * 1024 * 1024;
  // Declared length: the answer arrives while only 64 KiB of the 5 MiB have been sent.
  const declared = await within(
    5_000,
    "413 for a declared 5 MiB body",
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: gateway.port,
          method: "POST",
          path: "/mcp",
          headers: { ...MCP_HEADERS, "content-length": String(size) },
          agent: false,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
          res.on("end", () => {
            req.destroy();
            resolve({ status: res.statusCode!, body });
          });
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
      );
      req.write(Buffer.alloc(64 * 1024, 0x20));
    }),
  );
  assert.equal(declared.status, 413);
  assert.equal(JSON.parse(declared.body).error.code, -32600);
  assert.match(JSON.parse(declared.body).error.message, /over the \d+-byte limit/);

  // Chunked (no Content-Length): refused once the limit is passed, before the rest is read.
  let sent = 0;
  const chunked = await within(
    10_000,
    "413 for a chunked 5 MiB body",
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: gateway.port,
          method: "POST",
          path: "/mcp",
          headers: { ...MCP_HEADERS, "transfer-encoding": "chunked" },
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
          req.destroy();
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
      );
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const pump = () => {
        while (sent < size && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    }),
  );
  assert.equal(chunked, 413);
  await stillServing();
});

test("JSON nested 10,000 deep: an error or a clean answer, no crash; the gateway keeps serving", async (t) => {
  const depth = 10_000;
  const deepArray = "[".repeat(depth) + "]".repeat(depth);
  const asBody = await post("/mcp", deepArray);
  assert.ok(asBody.status >= 400 && asBody.status < 500, `a client error for a deep array (${asBody.status})`);
  const deepObject = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  const asParams = await post(
    "/mcp",
    `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"deep","version":"1"},"deep":${deepObject}}}`,
  );
  assert.ok(
    asParams.status < 500,
    `no server error for deep params (${asParams.status}: ${asParams.body.slice(0, 200)})`,
  );
  // Deep arguments of a tool call inside a session travel to the backend and back.
  const sessionId = await initialize();
  const call = await post(
    "/mcp",
    `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"relay__echo","arguments":{"text":"deep","extra":${deepObject}}}}`,
    { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
  );
  assert.ok(call.status < 500, `no server error for deep arguments (${call.status})`);
  t.diagnostic(
    `deep array body: ${asBody.status}; deep initialize params: ${asParams.status}; deep tool arguments: ${call.status} ${call.body.slice(0, 160)}`,
  );
  await stillServing();
  const client = await connectClient(t, `${gateway.base}/mcp`);
  assert.ok(
    (await client.listTools()).tools.some((tool) => tool.name === "relay__echo"),
    "MCP still works",
  );
});

test("an unknown session is 404; a wrong MCP-Protocol-Version is 400; GET/DELETE without a session are 400", async () => {
  const unknown = await post("/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
    "mcp-session-id": "no-such-session",
    "mcp-protocol-version": "2025-11-25",
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.code, -32001);
  const sessionId = await initialize("/mcp/relay");
  const otherEndpoint = await post("/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "2025-11-25",
  });
  assert.equal(otherEndpoint.status, 404, "a session belongs to the endpoint that made it");
  const wrongVersion = await post("/mcp/relay", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "1999-01-01",
  });
  assert.equal(wrongVersion.status, 400);
  assert.match(wrongVersion.body, /Unsupported protocol version/);
  const fine = await post("/mcp/relay", JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }), {
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "2025-11-25",
  });
  assert.equal(fine.status, 200);
  for (const method of ["GET", "DELETE"]) {
    const bare = await within(
      5_000,
      method,
      request(gateway.port, { method, path: "/mcp", headers: { accept: "text/event-stream" } }),
    );
    assert.equal(bare.status, 400, method);
  }
  const unknownServer = await post(
    "/mcp/nope",
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  );
  assert.equal(unknownServer.status, 404);
  const unknownSse = await post("/messages?sessionId=nope", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
  assert.equal(unknownSse.status, 404);
});

test("an initialize the transport refuses (Accept without text/event-stream) leaves no session behind", async () => {
  const before = gateway.frontend.mcp.sessionCount;
  const refused = await within(
    5_000,
    "initialize",
    request(gateway.port, {
      method: "POST",
      path: "/mcp",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    }),
  );
  assert.equal(refused.status, 406);
  assert.equal(gateway.frontend.mcp.sessionCount, before, "no session kept");
  assert.equal(gateway.relay.sessions.size, before);
});

test("a foreign Host or Origin gets 403 on the MCP and REST routes", async () => {
  for (const path of ["/mcp", "/mcp/relay", "/sse", "/servers", "/rpc"]) {
    for (const headers of [
      { host: "evil.example.com" },
      { origin: "http://evil.example.com" },
      { host: `attacker.test:${gateway.port}` },
    ] as Array<Record<string, string>>) {
      const method = path.startsWith("/mcp") || path === "/rpc" ? "POST" : "GET";
      const answer = await within(
        5_000,
        path,
        request(gateway.port, {
          method,
          path,
          headers: { ...MCP_HEADERS, ...headers },
          body: method === "POST" ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) : undefined,
        }),
      );
      assert.equal(answer.status, 403, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.equal(answer.json().error, "Forbidden");
    }
  }
});

test("a backend's answer nested 10,000 deep ends the call with an error instead of hanging (MCP and pass-through); the gateway keeps serving", async () => {
  const sessionId = await initialize("/mcp/noisy");
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  const call = await post(
    "/mcp/noisy",
    JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "deep-result", arguments: {} } }),
    headers,
  );
  assert.equal(call.status, 200);
  // `.+`: the stream opens with a priming event, whose data is empty (resumable streams).
  const answer = JSON.parse(/^data: (.+)$/m.exec(call.body)?.[1] ?? call.body) as {
    id: number;
    error?: { code: number; message: string };
  };
  assert.equal(answer.id, 7);
  assert.deepEqual(answer.error, {
    code: -32603,
    message: "The server's answer nests deeper than 1000 levels; the gateway does not pass it on",
  });
  const next = await post(
    "/mcp/noisy",
    JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "pid", arguments: {} } }),
    headers,
  );
  const nextAnswer = JSON.parse(/^data: (.+)$/m.exec(next.body)?.[1] ?? next.body) as { id: number; result?: unknown };
  assert.deepEqual([nextAnswer.id, "result" in nextAnswer], [8, true], "the session goes on");
  // The pass-through returns a backend's JSON-RPC errors as they are: this one is the gateway's stand-in.
  const passThrough = await post(
    "/rpc",
    JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "deep-result", arguments: {} } }),
    { "x-server-id": "noisy" },
  );
  assert.equal(passThrough.status, 200);
  assert.deepEqual(passThrough.json(), {
    jsonrpc: "2.0",
    id: 9,
    error: {
      code: -32603,
      message: "The server's answer nests deeper than 1000 levels; the gateway does not pass it on",
    },
  });
  await stillServing();
});

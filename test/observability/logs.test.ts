import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectClient, nodeServer, startHttpGateway } from "../http/support.js";
import { call, STATS_FIXTURE } from "./support.js";

const KEY = "log-test-key-0123456789abcdef";
const SECRET = "backend-secret-value-42";

test("one JSON line per MCP request at info with the documented fields; bodies only at debug, redacted; start and ready lines", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_keys: [{ name: "ops", key: KEY }],
    servers: [nodeServer("s", STATS_FIXTURE, [], { env: { TOKEN: SECRET } })],
  });
  const client = await connectClient(t, `${gateway.base}/mcp`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(await call(client, "s__ok"), "ok");
  assert.match(await call(client, "s__fail"), /the backend refuses/);
  await client.callTool({ name: "s__ok", arguments: { note: `carries ${SECRET}` } });

  const lines = gateway.logs.records.filter((record) => record.event === "mcp_request");
  const calls = lines.filter((record) => record.method === "tools/call");
  assert.equal(calls.length, 3);
  const [ok, failed] = calls;
  assert.deepEqual(
    { ...ok, time: undefined, duration_ms: undefined, session: undefined, params: undefined, result: undefined },
    {
      level: "info",
      time: undefined,
      pid: process.pid,
      name: "mcpgw",
      component: "requests",
      event: "mcp_request",
      session: undefined,
      principal: "ops",
      transport: "streamable-http",
      server: "s",
      method: "tools/call",
      tool: "s__ok",
      duration_ms: undefined,
      outcome: "ok",
      params: undefined,
      result: undefined,
      msg: `tools/call s s__ok: ok in ${ok!.duration_ms} ms`,
    },
  );
  assert.equal(typeof ok!.session, "string");
  assert.equal(typeof ok!.duration_ms, "number");
  assert.equal(failed!.outcome, "backend_error");
  assert.deepEqual(failed!.error, {
    code: -32000,
    message: "MCP error -32000: the backend refuses",
    stage: "dispatch",
  });
  // The test logger runs at debug: arguments and results are there, with the server's env values masked.
  assert.deepEqual((calls[2]!.params as { arguments: unknown }).arguments, { note: "carries [redacted]" });
  assert.ok(!gateway.logs.text().includes(SECRET));
  assert.ok(!gateway.logs.text().includes(KEY));

  const messages = gateway.logs.records.map((record) => record.msg);
  assert.ok(messages.includes("Starting server 's'"));
  assert.ok(messages.some((msg) => /^Server 's' ready in \d+ ms$/.test(msg)));
});

test("a client hanging up (read ECONNRESET) is logged at debug without a stack; other HTTP failures stay errors", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("s", STATS_FIXTURE)] });
  // What koa emits when the socket of a request it serves is reset by the client.
  gateway.frontend.app.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
  gateway.frontend.app.emit("error", new Error("something broke"));
  const reset = gateway.logs.records.find((record) => record.msg === "Client disconnected: read ECONNRESET");
  assert.equal(reset?.level, "debug");
  assert.equal(reset?.err, undefined, "no stack");
  assert.equal(reset?.code, "ECONNRESET");
  const broke = gateway.logs.records.find((record) => record.msg === "HTTP request failed: something broke");
  assert.equal(broke?.level, "error");
});

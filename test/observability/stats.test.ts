import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { STDIO_PRINCIPAL } from "../../src/services/auth.js";
import { connectClient, nodeServer, startHttpGateway } from "../http/support.js";
import { call, getJson, sample, scrape, STATS_FIXTURE } from "./support.js";

const OPS = "ops-key-0123456789abcdef";
const BOT = "bot-key-0123456789abcdef";

test("/stats and /metrics count every way a request ends, on every frontend, across a stop/start and a reload", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_keys: [
      { name: "ops", key: OPS },
      { name: "bot", key: BOT, scopes: ["mcp"] },
    ],
    servers: [
      nodeServer("s", STATS_FIXTURE, [], {
        request_timeout_seconds: 1,
        min_uptime_seconds: 0,
        tools: { deny: ["secret"] },
      }),
      nodeServer("idle", STATS_FIXTURE),
    ],
  });
  const auth = { authorization: `Bearer ${OPS}` };
  const bot = { authorization: `Bearer ${BOT}` };

  // One server's endpoint: every outcome.
  const direct = await connectClient(t, `${gateway.base}/mcp/s`, { headers: auth });
  assert.equal(await call(direct, "ok"), "ok");
  assert.equal(await call(direct, "ok"), "ok");
  assert.equal(await call(direct, "tool-error"), "tool_error");
  assert.match(await call(direct, "fail"), /the backend refuses/);
  assert.match(await call(direct, "hang"), /did not answer|timed out|within/i);
  assert.match(await call(direct, "secret"), /not available: tools\.deny/);
  assert.match(await call(direct, "crash"), /exited while tools\/call was in flight/);
  assert.equal(await call(direct, "ok"), "ok", "the next call restarts it");

  // Aggregated over Streamable HTTP and SSE, and a stdio session, with another key.
  const aggregated = await connectClient(t, `${gateway.base}/mcp`, { headers: bot });
  assert.equal(await call(aggregated, "s__ok"), "ok");
  const sse = await connectClient(t, `${gateway.base}/sse`, { headers: bot });
  assert.equal(await call(sse, "s__ok"), "ok");
  const session = await gateway.relay.open({ principal: STDIO_PRINCIPAL, transport: "stdio" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await session.connect(serverSide);
  const stdio = new Client({ name: "stdio", version: "1" });
  await stdio.connect(clientSide);
  t.after(() => stdio.close());
  assert.equal(await call(stdio, "s__ok"), "ok");

  // A wrong key on an MCP POST.
  const refused = await fetch(`${gateway.base}/mcp`, {
    method: "POST",
    headers: {
      authorization: "Bearer wrong",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "s__ok" } }),
  });
  assert.equal(refused.status, 403);

  // Counters survive an operator's stop and start.
  await getJsonPost(`${gateway.base}/servers/s/stop`, OPS);
  await getJsonPost(`${gateway.base}/servers/s/start`, OPS);
  assert.equal(await call(direct, "ok"), "ok");

  // A reload applied, then one refused (the hot-reload plugin calls this hook after each attempt).
  const base = { added: [], removed: [], modified: [], unchanged: ["s", "idle"], restartRequired: [] };
  const appliedAt = new Date();
  gateway.kernel.hooks.reloaded.call({ at: appliedAt, trigger: "admin", ...base });
  gateway.kernel.hooks.reloaded.call({ at: new Date(), trigger: "watch", error: "servers.0.id: bad id", ...base });

  const stats = await getJson(`${gateway.base}/stats`, OPS);
  assert.equal(stats.total_requests, 13);
  assert.equal(stats.total_servers, 2);
  assert.equal(stats.active_servers, 1);
  assert.equal(stats.last_reload, appliedAt.toISOString());
  assert.equal(stats.last_reload_error.message, "servers.0.id: bad id");
  assert.deepEqual(stats.reloads, { total: 2, failed: 1 });
  assert.equal(typeof stats.uptime_seconds, "number");
  const s = stats.servers.s;
  assert.equal(s.status, "running");
  assert.equal(s.request_count, 11, "the refused and unauthenticated calls never reached it");
  assert.equal(s.error_count, 4, "tool error, backend error, timeout, crash");
  assert.deepEqual(s.outcomes, { ok: 7, tool_error: 1, backend_error: 1, timeout: 1, crash: 1 });
  assert.deepEqual(s.tools.ok, { request_count: 7, error_count: 0 });
  assert.deepEqual(s.tools.hang, { request_count: 1, error_count: 1 });
  assert.equal(s.starts, 3);
  assert.equal(s.restarts, 2);
  assert.equal(s.crashes, 1);
  assert.equal(s.in_flight, 0);
  assert.equal(typeof s.uptime_seconds, "number");
  assert.ok(Date.parse(s.last_activity) > 0);
  for (const q of ["p50", "p95", "p99"]) assert.equal(typeof s.latency_ms[q], "number");
  assert.ok(s.latency_ms.p99 >= 1000, "the timed-out call took its second");
  assert.deepEqual(stats.servers.idle, {
    ...stats.servers.idle,
    status: "stopped",
    request_count: 0,
    error_count: 0,
    uptime_seconds: null,
    last_activity: null,
  });
  assert.deepEqual(stats.principals.ops, {
    request_count: 9,
    refused_count: 1,
    outcomes: { ok: 4, tool_error: 1, backend_error: 1, timeout: 1, refused: 1, crash: 1 },
  });
  assert.equal(stats.principals.bot.request_count, 2);
  assert.equal(stats.principals.stdio.request_count, 1);
  assert.deepEqual(stats.principals.unauthenticated, { request_count: 1, refused_count: 1, outcomes: { auth: 1 } });
  assert.deepEqual(stats.sessions["streamable-http"], { open: 2, total: 2 });
  assert.deepEqual(stats.sessions.sse, { open: 1, total: 1 });
  assert.deepEqual(stats.sessions.stdio, { open: 1, total: 1 });

  const { families, text } = await scrape(gateway.base, OPS);
  const calls = (tool: string, outcome: string) =>
    sample(families, "mcpgw_requests_total", { server: "s", method: "tools/call", tool, outcome });
  assert.equal(calls("ok", "ok"), 7);
  assert.equal(calls("tool-error", "tool_error"), 1);
  assert.equal(calls("fail", "backend_error"), 1);
  assert.equal(calls("hang", "timeout"), 1);
  assert.equal(calls("crash", "crash"), 1);
  assert.equal(calls("secret", "refused"), 1);
  assert.equal(sample(families, "mcpgw_requests_total", { outcome: "auth" }), 1);
  assert.equal(
    sample(families, "mcpgw_principal_requests_total", { principal: "unauthenticated", outcome: "auth" }),
    1,
  );
  assert.equal(sample(families, "mcpgw_principal_requests_total", { principal: "ops" }), 9);
  assert.equal(sample(families, "mcpgw_server_starts_total", { server: "s" }), 3);
  assert.equal(sample(families, "mcpgw_server_restarts_total", { server: "s" }), 2);
  assert.equal(sample(families, "mcpgw_server_crashes_total", { server: "s" }), 1);
  assert.equal(sample(families, "mcpgw_server_up", { server: "s" }), 1);
  assert.equal(sample(families, "mcpgw_server_up", { server: "idle" }), 0);
  assert.equal(sample(families, "mcpgw_requests_in_flight", { server: "s" }), 0);
  assert.equal(sample(families, "mcpgw_sessions_total", { transport: "sse" }), 1);
  assert.equal(sample(families, "mcpgw_sessions_open", { transport: "streamable-http" }), 2);
  assert.equal(sample(families, "mcpgw_reloads_total", { result: "ok" }), 1);
  assert.equal(sample(families, "mcpgw_reloads_total", { result: "error" }), 1);
  assert.equal(families.get("mcpgw_request_duration_seconds")?.type, "HISTOGRAM");
  assert.match(text, /^mcpgw_request_duration_seconds_count\{server="s",method="tools\/call",tool="ok"\} 7$/m);
  assert.match(
    text,
    /^mcpgw_request_duration_seconds_bucket\{server="s",method="tools\/call",tool="hang",le="\+Inf"\} 1$/m,
  );
  assert.ok(families.has("process_cpu_user_seconds_total"), "Node process metrics");
  assert.ok(families.has("nodejs_heap_size_used_bytes"));

  // Admin scope: a key without it gets 403 on both.
  for (const route of ["/stats", "/metrics"]) {
    const response = await fetch(`${gateway.base}${route}`, { headers: bot });
    assert.equal(response.status, 403, route);
  }
});

test("1,000 distinct tool names keep /metrics bounded: past max_tool_labels they count as `other`", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_key: OPS,
    plugins: { stats: { max_tool_labels: 50 } },
    servers: [nodeServer("s", STATS_FIXTURE)],
  });
  const client = await connectClient(t, `${gateway.base}/mcp/s`, { headers: { authorization: `Bearer ${OPS}` } });
  for (let batch = 0; batch < 1000; batch += 50)
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => assert.equal(await call(client, `any-${batch + i}`), "ok")),
    );
  const { families } = await scrape(gateway.base, OPS);
  const series = families.get("mcpgw_requests_total")!.metrics.filter((metric) => metric.labels?.server === "s");
  assert.equal(series.length, 51, "50 names of their own and `other`");
  assert.equal(sample(families, "mcpgw_requests_total", { server: "s", tool: "other" }), 950);
  assert.equal(sample(families, "mcpgw_requests_total", { server: "s" }), 1000);
  const stats = await getJson(`${gateway.base}/stats`, OPS);
  assert.equal(Object.keys(stats.servers.s.tools).length, 51);
  assert.equal(stats.servers.s.tools.other.request_count, 950);
});

async function getJsonPost(url: string, key: string): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200, `POST ${url}`);
  return response.json();
}

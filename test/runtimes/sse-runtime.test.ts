import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { test } from "node:test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isGatewayError } from "../../src/kernel/errors.js";
import { callTool, freePort, nextState, startGateway, textOf } from "../supervisor/harness.js";
import { startEverythingHttp } from "./remote.js";

const remote = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  id,
  runtime: { type: "remote-sse", url, ...extra },
});

test("remote-sse, transport auto, reaches server-everything over Streamable HTTP: list, call, idle stop, restart", async (t) => {
  const port = await startEverythingHttp(t, "streamableHttp");
  const gw = await startGateway(t, {
    servers: [{ ...remote("http", `http://127.0.0.1:${port}/mcp`), idle_timeout_seconds: 1 }],
  });
  const listed = (await gw.supervisor.request("http", { method: "tools/list", params: {} })) as {
    tools: Array<{ name: string }>;
  };
  assert.ok(listed.tools.some((tool) => tool.name === "echo"));
  assert.equal(textOf(await callTool(gw.supervisor, "http", "echo", { message: "over http" })), "Echo: over http");
  assert.deepEqual(gw.supervisor.get("http").runtime, {
    transport: "streamable-http",
    url: `http://127.0.0.1:${port}/mcp`,
  });
  await nextState(gw.kernel, "http", "stopped");
  assert.equal(textOf(await callTool(gw.supervisor, "http", "echo", { message: "again" })), "Echo: again");
  assert.equal(gw.supervisor.get("http").restarts, 1);
});

test("remote-sse, transport auto, falls back to legacy SSE when Streamable HTTP is refused", async (t) => {
  const port = await startEverythingHttp(t, "sse");
  const gw = await startGateway(t, { servers: [remote("legacy", `http://127.0.0.1:${port}/sse`)] });
  assert.equal(textOf(await callTool(gw.supervisor, "legacy", "echo", { message: "over sse" })), "Echo: over sse");
  assert.equal(gw.supervisor.get("legacy").runtime?.transport, "sse");
  assert.ok(
    gw.logs.records.some(
      (record) => record.msg.startsWith("Streamable HTTP refused; falling back") && record.status === 404,
    ),
  );
  await gw.supervisor.stop("legacy");
  assert.equal(textOf(await callTool(gw.supervisor, "legacy", "echo", { message: "restarted" })), "Echo: restarted");
});

test("remote-sse with transport: streamable-http does not fall back, and the start error names the server", async (t) => {
  const port = await startEverythingHttp(t, "sse");
  const gw = await startGateway(t, {
    servers: [remote("strict", `http://127.0.0.1:${port}/sse`, { transport: "streamable-http" })],
  });
  const error = await callTool(gw.supervisor, "strict", "echo", { message: "x" }).catch((caught: unknown) => caught);
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_START"), String(error));
  assert.equal(
    error.message,
    `Failed to start server 'strict': HTTP 404 from http://127.0.0.1:${port}/sse (Streamable HTTP)`,
  );
});

test("remote-sse gives up after connect_timeout_seconds when the server accepts but never answers", async (t) => {
  const sockets: Socket[] = [];
  const silent = createTcpServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const gw = await startGateway(t, {
    servers: [remote("slow", `http://127.0.0.1:${port}/mcp`, { connect_timeout_seconds: 1 })],
  });
  const error = await callTool(gw.supervisor, "slow", "echo", { message: "x" }).catch((caught: unknown) => caught);
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_START"), String(error));
  assert.match(
    error.message,
    /^Failed to start server 'slow': no answer from http:\/\/127\.0\.0\.1:\d+\/mcp within 1 s/,
  );
});

test("remote-sse sends exactly the configured headers, and their values never reach the log", async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const recorder = createHttpServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
  t.after(() => recorder.close());
  const { port } = recorder.address() as { port: number };
  const secret = "canary-header-value-8d1f";
  const gw = await startGateway(t, {
    servers: [remote("hdr", `http://127.0.0.1:${port}/mcp`, { headers: { "X-Api-Key": secret } })],
  });
  await callTool(gw.supervisor, "hdr", "echo", {}).catch(() => undefined);
  assert.ok(seen.length >= 2, "a Streamable HTTP attempt and an SSE attempt");
  for (const headers of seen) {
    assert.equal(headers["x-api-key"], secret);
    assert.equal(headers.authorization, undefined);
    assert.equal(headers.cookie, undefined);
  }
  assert.ok(!gw.logs.text().includes(secret));
});

test("remote-sse turns user:pass@ in the URL into Basic auth, which fetch alone refuses, and never logs the password", async (t) => {
  const password = "canary-pass/8d1f é";
  const expected = `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;
  const seen: Array<string | undefined> = [];
  const upstream = createHttpServer(async (request, response) => {
    seen.push(request.headers.authorization);
    if (request.headers.authorization !== expected) return void response.writeHead(401).end();
    // Stateless: a server and transport per request, as the SDK's examples do without sessions.
    const server = new McpServer({ name: "basic-auth", version: "1.0.0" });
    server.registerTool("hello", { description: "Says hello" }, async () => ({
      content: [{ type: "text", text: "hello behind basic auth" }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on("close", () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  t.after(() => upstream.close());
  const { port } = upstream.address() as { port: number };
  const url = `http://ops:${encodeURIComponent(password)}@127.0.0.1:${port}/mcp`;
  const gw = await startGateway(t, { servers: [remote("basic", url, { transport: "streamable-http" })] });
  assert.equal(textOf(await callTool(gw.supervisor, "basic", "hello", {})), "hello behind basic auth");
  assert.ok(seen.length > 0 && seen.every((header) => header === expected));
  assert.equal(gw.supervisor.get("basic").runtime?.url, `http://127.0.0.1:${port}/mcp`);
  assert.ok(!gw.logs.text().includes(encodeURIComponent(password)) && !gw.logs.text().includes(password));
});

test("remote-sse keeps a configured Authorization header over URL userinfo", async (t) => {
  const seen: Array<string | undefined> = [];
  const recorder = createHttpServer((request, response) => {
    seen.push(request.headers.authorization);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
  t.after(() => recorder.close());
  const { port } = recorder.address() as { port: number };
  const gw = await startGateway(t, {
    servers: [
      remote("both", `http://u:p@127.0.0.1:${port}/mcp`, {
        headers: { authorization: "Bearer configured" },
        transport: "streamable-http",
      }),
    ],
  });
  await callTool(gw.supervisor, "both", "x", {}).catch(() => undefined);
  // The era probe (server/discover) and the 2025 initialize that follows it both carry the configured header.
  assert.deepEqual(seen, ["Bearer configured", "Bearer configured"]);
});

test("remote-sse to a port nobody listens on fails the start with the reason, then fails fast while backing off", async (t) => {
  const port = await freePort();
  const gw = await startGateway(t, { servers: [remote("down", `http://127.0.0.1:${port}/mcp`)] });
  const error = await callTool(gw.supervisor, "down", "echo", {}).catch((caught: unknown) => caught);
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_START"), String(error));
  assert.equal(error.message, `Failed to start server 'down': cannot reach http://127.0.0.1:${port}/mcp: ECONNREFUSED`);
  const fast = await callTool(gw.supervisor, "down", "echo", {}).catch((caught: unknown) => caught);
  assert.ok(isGatewayError(fast, "MCPGW_ERR_SERVER_BACKOFF"), String(fast));
  assert.equal(gw.supervisor.get("down").status, "backoff");
});

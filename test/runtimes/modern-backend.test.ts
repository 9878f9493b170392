// A backend that speaks only MCP 2026-07-28, reached through the remote-sse runtime by 2025-era clients.
import "reflect-metadata";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { PASS_INPUT_REQUIRED } from "../../src/index.js";
import { isGatewayError } from "../../src/kernel/errors.js";
import { startModernOnlyServer, type ModernOnlyServer } from "../fixtures/modern/modernOnlyServer.js";
import {
  connectClient,
  FULL_CLIENT_CAPABILITIES,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "../http/support.js";

type TestContext = Parameters<typeof startHttpGateway>[0];

const scope = suiteScope();
let backend: ModernOnlyServer;
let gateway: TestGateway;

before(async () => {
  backend = await startModernOnlyServer(scope);
  gateway = await startHttpGateway(scope, {
    servers: [{ id: "modern", runtime: { type: "remote-sse", url: backend.url } }],
  });
});
after(() => scope.cleanup());

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

test("a 2025 client on /mcp/:id lists and calls a modern-only backend's tools; the backend never sees initialize", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/modern`);
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ["echo", "confirm"],
  );
  assert.equal(text(await client.callTool({ name: "echo", arguments: { message: "hello" } })), "modern echo: hello");
  assert.equal(client.getInstructions(), "A server of revision 2026-07-28 only");
  assert.equal(gateway.supervisor.get("modern").runtime?.protocol, "2026-07-28");
  assert.ok(backend.methods.includes("server/discover"), backend.methods.join());
  assert.ok(backend.methods.includes("tools/call"), backend.methods.join());
  assert.ok(!backend.methods.includes(""), `no 2025 request reached the backend: ${backend.methods.join()}`);
});

test("a 2025 client on the aggregated /mcp lists and calls the modern-only backend's tools under its prefix", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const { tools } = await client.listTools();
  assert.ok(
    tools.some((tool) => tool.name === "modern__echo"),
    tools.map((tool) => tool.name).join(),
  );
  assert.equal(
    text(await client.callTool({ name: "modern__echo", arguments: { message: "aggregated" } })),
    "modern echo: aggregated",
  );
});

test("a modern backend's input_required elicitation is put to the 2025 client that declared elicitation, and its answer completes the call", async (t) => {
  const asked: unknown[] = [];
  const client = await connectClient(t, `${gateway.base}/mcp/modern`, {
    capabilities: FULL_CLIENT_CAPABILITIES,
    setup: (client) =>
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return { action: "accept", content: { colour: "teal" } };
      }),
  });
  assert.equal(text(await client.callTool({ name: "confirm", arguments: {} })), "confirmed teal");
  assert.deepEqual(asked, ["Which colour?"]);
});

test("a 2025 client that did not declare elicitation gets the missing-capability error naming it", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/modern`);
  const error = await client.callTool({ name: "confirm", arguments: {} }).then(
    () => assert.fail("the call needs elicitation"),
    (caught: unknown) => caught as { code: number; message: string; data?: { requiredCapabilities?: unknown } },
  );
  assert.equal(error.code, -32021, error.message);
  assert.match(error.message, /elicitation/);
  assert.deepEqual(Object.keys((error.data?.requiredCapabilities ?? {}) as object), ["elicitation"]);
});

test("with PASS_INPUT_REQUIRED in _meta, a modern backend's input_required comes back as it is, and the retry with its answers completes", async () => {
  const call = (extra: Record<string, unknown>) =>
    gateway.supervisor.request("modern", {
      method: "tools/call",
      params: { name: "confirm", arguments: {}, ...extra, _meta: { [PASS_INPUT_REQUIRED]: true } },
    }) as Promise<Record<string, unknown>>;
  const first = await call({});
  assert.equal(first.resultType, "input_required");
  const inputRequests = first.inputRequests as Record<string, { method: string; params: { message: string } }>;
  assert.equal(inputRequests.colour?.method, "elicitation/create");
  assert.equal(inputRequests.colour?.params.message, "Which colour?");
  const retried = await call({ inputResponses: { colour: { action: "accept", content: { colour: "amber" } } } });
  assert.equal(text(retried), "confirmed amber");
});

test("a 2026-07-28 client reaches the modern-only backend through /mcp/:id: lists, calls, and answers its elicitation through input_required", async (t) => {
  const client = new ModernClient(
    { name: "modern-to-modern", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities: { elicitation: { form: {} } } },
  );
  const asked: string[] = [];
  client.setRequestHandler("elicitation/create", async (request) => {
    asked.push(String(request.params.message));
    return { action: "accept", content: { colour: "violet" } };
  });
  await client.connect(new ModernTransport(new URL(`${gateway.base}/mcp/modern`)));
  t.after(() => client.close());
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ["echo", "confirm"],
  );
  assert.equal(
    text(await client.callTool({ name: "echo", arguments: { message: "both modern" } })),
    "modern echo: both modern",
  );
  assert.equal(text(await client.callTool({ name: "confirm", arguments: {} })), "confirmed violet");
  assert.deepEqual(asked, ["Which colour?"]);
  assert.equal(gateway.relay.parked.size, 0, "nothing left parked");
});

/** A 2025-only MCP server (the v1 SDK, stateless) that counts the server/discover probes it is sent. */
async function startLegacyServer(t: TestContext): Promise<{ url: string; probes: () => number }> {
  let probes = 0;
  const listener = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as { method?: string }) : undefined;
    if (body?.method === "server/discover") probes += 1;
    const server = new McpServer({ name: "legacy-only", version: "1.0.0" });
    server.registerTool("hello", { description: "Says hello" }, async () => ({
      content: [{ type: "text", text: "hello from 2025" }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on("close", () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    listener.closeAllConnections();
    listener.close();
  });
  return { url: `http://127.0.0.1:${(listener.address() as { port: number }).port}/mcp`, probes: () => probes };
}

test("a 2025 backend is probed once: later sessions skip the probe; protocol_era legacy never probes, modern refuses it", async (t) => {
  const legacy = await startLegacyServer(t);
  const gw = await startHttpGateway(t, {
    servers: [
      { id: "old", runtime: { type: "remote-sse", url: legacy.url } },
      { id: "pinned-old", runtime: { type: "remote-sse", url: `${legacy.url}?legacy`, protocol_era: "legacy" } },
      { id: "strict", runtime: { type: "remote-sse", url: `${legacy.url}?strict`, protocol_era: "modern" } },
    ],
  });
  for (let session = 0; session < 3; session++) {
    const client = await connectClient(t, `${gw.base}/mcp/old`);
    assert.equal(text(await client.callTool({ name: "hello", arguments: {} })), "hello from 2025");
  }
  assert.equal(gw.supervisor.get("old").runtime?.protocol, undefined, "a 2025 backend's facts are as before");
  assert.equal(legacy.probes(), 1, "three upstream sessions, one probe");
  const pinned = await connectClient(t, `${gw.base}/mcp/pinned-old`);
  assert.equal(text(await pinned.callTool({ name: "hello", arguments: {} })), "hello from 2025");
  assert.equal(legacy.probes(), 1, "protocol_era: legacy sends no probe");
  const error = await gw.supervisor.request("strict", { method: "tools/list", params: {} }).then(
    () => assert.fail("a 2025 server cannot serve protocol_era: modern"),
    (caught: unknown) => caught as Error,
  );
  assert.ok(isGatewayError(error, "MCPGW_ERR_SERVER_START"), String(error));
  assert.match(
    error.message,
    /^Failed to start server 'strict': http:\/\/127\.0\.0\.1:\d+\/mcp does not speak MCP 2026-07-28/,
  );
});

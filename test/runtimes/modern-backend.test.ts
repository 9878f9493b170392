// A backend that speaks only MCP 2026-07-28, reached through the remote-sse runtime by 2025-era clients.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startModernOnlyServer, type ModernOnlyServer } from "../fixtures/modern/modernOnlyServer.js";
import { connectClient, FULL_CLIENT_CAPABILITIES, startHttpGateway, suiteScope, type TestGateway } from "../http/support.js";

const scope = suiteScope();
let backend: ModernOnlyServer;
let gateway: TestGateway;

before(async () => {
  backend = await startModernOnlyServer(scope);
  gateway = await startHttpGateway(scope, { servers: [{ id: "modern", runtime: { type: "remote-sse", url: backend.url } }] });
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
  assert.ok(tools.some((tool) => tool.name === "modern__echo"), tools.map((tool) => tool.name).join());
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

// Lists and identity as the backend has them. A one-server endpoint presents its backend as the backend presents itself: its capabilities (a cold
// capability cache included), its name, title, version, icons, website and instructions.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture } from "../supervisor/harness.js";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway } from "./support.js";

const PROBE = fixture("probe-server");

test("the first /mcp/:id session on a cold gateway advertises only what a tools-only backend offers, with its identity", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("probe", PROBE)] });
  assert.equal(await gateway.supervisor.capabilities("probe"), undefined, "a cold cache: the backend never ran");
  for (const path of ["/mcp/probe", "/sse/probe"]) {
    const client = await connectClient(t, `${gateway.base}${path}`);
    assert.deepEqual(client.getServerCapabilities(), { tools: { listChanged: true } }, path);
    assert.deepEqual(
      client.getServerVersion(),
      {
        name: "probe",
        version: "1.0.0",
        title: "Probe",
        websiteUrl: "https://probe.example/",
        icons: [{ src: "https://probe.example/icon.png", mimeType: "image/png" }],
      },
      path,
    );
    assert.equal(client.getInstructions(), "The probe server: tools that let tests see what the gateway does.", path);
  }
});

test("a backend that cannot start: the session still opens, with the gateway's own identity, and says why on use", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [
      { id: "broken", runtime: { type: "local-process", command: process.execPath, args: ["-e", "process.exit(3)"] } },
    ],
  });
  const client = await connectClient(t, `${gateway.base}/mcp/broken`);
  assert.equal(client.getServerVersion()?.name, "mcpgw/broken");
  await assert.rejects(client.listTools(), /process exited with code 3/);
  assert.ok(gateway.logs.text().includes("A session for server 'broken' opens without its capabilities"));
});

test("a backend paging one tool per page lists all of its 1,122 tools on /mcp/:id and /mcp", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("many", RELAY_FIXTURE, [], { env: { FIXTURE_TOOLS: "1115", FIXTURE_PAGE_SIZE: "1" } })],
  });
  for (const path of ["/mcp/many", "/mcp"]) {
    const client = await connectClient(t, `${gateway.base}${path}`);
    const { tools, nextCursor } = await client.listTools();
    assert.equal(nextCursor, undefined, path);
    assert.equal(tools.length, 1_122, `${path}: 1,115 numbered tools and 7 fixed ones`);
  }
});

test("a log level set before a backend runs reaches it when it starts: shared (aggregated /mcp) and isolated (/mcp/:id)", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("shared", RELAY_FIXTURE), nodeServer("own", RELAY_FIXTURE, [], { isolation: "session" })],
  });
  for (const [path, tool] of [
    // The isolated one first: the aggregated session's list starts every server, its own backend of `own` too.
    ["/mcp/own", "log"],
    ["/mcp", "shared__log"],
  ] as const) {
    const client = await connectClient(t, `${gateway.base}${path}`);
    await client.setLoggingLevel("error");
    const server = path === "/mcp" ? "shared" : "own";
    assert.notEqual(gateway.supervisor.get(server).status, "running", `${path}: the level came first`);
    const result = await client.callTool({ name: tool, arguments: {} });
    assert.deepEqual(result.structuredContent, { sent: ["error", "critical", "alert", "emergency"] }, path);
  }
});

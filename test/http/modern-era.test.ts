// The 2026-07-28 leg of /mcp and /mcp/:id: a v2 client pinned to the revision, one in `auto`
// mode, and a v1 client on the same URLs at the same time.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { textOf } from "../pipeline/support.js";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway, type TestContext } from "./support.js";

const MODERN = "2026-07-28";

type Negotiation = "legacy" | "auto" | { pin: string };

async function modernClient(t: TestContext, url: string, mode: Negotiation): Promise<ModernClient> {
  const client = new ModernClient({ name: "modern-test", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new ModernTransport(new URL(url)));
  t.after(() => client.close());
  return client;
}

test("a v2 client pinned to 2026-07-28 lists and calls tools through /mcp and /mcp/:id; v1 works alongside", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });

  const one = await modernClient(t, `${gateway.base}/mcp/relay`, { pin: MODERN });
  assert.equal(one.getProtocolEra(), "modern");
  const tools = await one.listTools();
  assert.ok(tools.tools.some((tool) => tool.name === "echo"), JSON.stringify(tools.tools.map((tool) => tool.name)));
  const echoed = await one.callTool({ name: "echo", arguments: { text: "hi" } });
  assert.equal(textOf(echoed as never), "echo: hi");

  const all = await modernClient(t, `${gateway.base}/mcp`, { pin: MODERN });
  const aggregated = await all.listTools();
  assert.ok(aggregated.tools.some((tool) => tool.name === "relay__echo"));
  assert.equal(textOf((await all.callTool({ name: "relay__echo", arguments: { text: "yo" } })) as never), "echo: yo");

  const legacy = await connectClient(t, `${gateway.base}/mcp/relay`);
  assert.equal(textOf(await legacy.callTool({ name: "echo", arguments: { text: "old" } })), "echo: old");
});

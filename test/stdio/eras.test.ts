// mcpgw stdio serves 2026-07-28 clients (the v2 SDK's client, pinned or negotiating) beside 2025 ones.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client, type VersionNegotiationMode } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { nodeServer, RELAY_FIXTURE, startHttpGateway } from "../http/support.js";
import { CLI, connectStdio, writeConfig, type TestContext } from "./support.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

/** A v2 SDK client talking to `mcpgw stdio ARGS`, negotiating as `mode` says; closed after the test. */
async function connectV2(t: TestContext, args: string[], mode: VersionNegotiationMode): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "stdio", ...args],
    stderr: "ignore",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  });
  const client = new Client({ name: "stdio-v2-test", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

const relayConfig = (t: TestContext) => writeConfig(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });

test("a v2 client pinned to 2026-07-28 lists and calls tools through mcpgw stdio --server and the aggregated stdio", async (t) => {
  const config = relayConfig(t);
  const single = await connectV2(t, ["--config", config, "--server", "relay"], { pin: "2026-07-28" });
  assert.equal(single.getProtocolEra(), "modern");
  assert.equal(single.getNegotiatedProtocolVersion(), "2026-07-28");
  assert.ok((await single.listTools()).tools.some((tool) => tool.name === "echo"));
  assert.equal(text(await single.callTool({ name: "echo", arguments: { text: "modern" } })), "echo: modern");

  const aggregated = await connectV2(t, ["--config", config], { pin: "2026-07-28" });
  assert.ok((await aggregated.listTools()).tools.some((tool) => tool.name === "relay__echo"));
  assert.equal(text(await aggregated.callTool({ name: "relay__echo", arguments: { text: "all" } })), "echo: all");
});

test("a v2 client in auto mode negotiates 2026-07-28 on mcpgw stdio; a v1 client on the same config still gets 2025", async (t) => {
  const config = relayConfig(t);
  const auto = await connectV2(t, ["--config", config], "auto");
  assert.equal(auto.getProtocolEra(), "modern");
  assert.ok((await auto.listTools()).tools.some((tool) => tool.name === "relay__echo"));
  const { client: v1 } = await connectStdio(t, ["--config", config]);
  assert.equal(v1.getServerVersion()?.name, "mcpgw");
  assert.equal(text(await v1.callTool({ name: "relay__echo", arguments: { text: "2025" } })), "echo: 2025");
});

test("a v2 client pinned to 2026-07-28 lists and calls tools through stdio --gateway, with the API key", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: "eras-key-123", servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const empty = writeConfig(t, {});
  const args = ["--config", empty, "--gateway", gateway.base, "--api-key", "eras-key-123"];
  const aggregated = await connectV2(t, args, { pin: "2026-07-28" });
  assert.ok((await aggregated.listTools()).tools.some((tool) => tool.name === "relay__echo"));
  assert.equal(
    text(await aggregated.callTool({ name: "relay__echo", arguments: { text: "bridged" } })),
    "echo: bridged",
  );
  const single = await connectV2(t, [...args, "--server", "relay"], { pin: "2026-07-28" });
  assert.equal(text(await single.callTool({ name: "echo", arguments: { text: "one" } })), "echo: one");
  assert.equal(gateway.supervisor.get("relay").status, "running", "the HTTP gateway ran the server");
});

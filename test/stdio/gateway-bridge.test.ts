import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { freePort, nodeServer, RELAY_FIXTURE, startHttpGateway } from "../http/support.js";
import { connectStdio, writeConfig } from "./support.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("--gateway forwards to a running HTTP gateway: its servers and names, with the API key", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_key: "bridge-key-123",
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
  const empty = writeConfig(t, {});
  const { client } = await connectStdio(t, [
    "--config",
    empty,
    "--gateway",
    gateway.base,
    "--api-key",
    "bridge-key-123",
  ]);
  assert.equal(client.getServerVersion()?.name, "mcpgw");
  assert.ok((await client.listTools()).tools.some((tool) => tool.name === "relay__echo"));
  assert.equal(
    text(await client.callTool({ name: "relay__echo", arguments: { text: "via the bridge" } })),
    "echo: via the bridge",
  );
  assert.equal(
    gateway.supervisor.get("relay").status,
    "running",
    "the HTTP gateway runs the server, not the stdio process",
  );

  const single = await connectStdio(t, ["--config", empty, "--gateway", gateway.base, "--server", "relay"], {
    env: { MCP_GATEWAY_API_KEY: "bridge-key-123" },
  });
  assert.equal(
    single.client.getServerVersion()?.name,
    "mcpgw-relay-fixture",
    "--server picks /mcp/<id> (the backend's own identity); the key came from MCP_GATEWAY_API_KEY",
  );
  assert.equal(text(await single.client.callTool({ name: "echo", arguments: { text: "one" } })), "echo: one");
});

test("a wrong or missing key gives a clear MCP error", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: "bridge-key-123", servers: [] });
  const empty = writeConfig(t, {});
  for (const [args, pattern] of [
    [["--api-key", "wrong"], /refused the API key \(403\): check --api-key or MCP_GATEWAY_API_KEY/],
    [[], /needs an API key: pass --api-key or set MCP_GATEWAY_API_KEY/],
  ] as const) {
    await assert.rejects(
      connectStdio(t, ["--config", empty, "--gateway", gateway.base, ...args]),
      (error: unknown) => error instanceof McpError && error.code === -32002 && pattern.test(error.message),
    );
  }
});

test("an unreachable gateway is an MCP error naming the address and the cause", async (t) => {
  const port = await freePort();
  const empty = writeConfig(t, {});
  const { client } = await connectStdio(t, ["--config", empty, "--gateway", `http://127.0.0.1:${port}`]).catch(
    (error: unknown) => {
      assert.ok(
        error instanceof McpError &&
          error.code === -32002 &&
          /Failed to connect to the gateway at http:\/\/127\.0\.0\.1:\d+\/mcp: ECONNREFUSED/.test(error.message),
        String(error),
      );
      return { client: undefined };
    },
  );
  assert.equal(client, undefined, "initialize failed while nothing listened");
  // A desktop client that starts the bridge again once the gateway runs gets through.
  const gateway = await startHttpGateway(t, {
    listen_addr: `127.0.0.1:${port}`,
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
  const retry = await connectStdio(t, ["--config", empty, "--gateway", gateway.base]);
  assert.ok((await retry.client.listTools()).tools.length > 0);
});

test("when the gateway restarts mid-session, the bridge opens a new session with the client's initialize", async (t) => {
  const port = await freePort();
  const config = { listen_addr: `127.0.0.1:${port}`, servers: [nodeServer("relay", RELAY_FIXTURE)] };
  const first = await startHttpGateway(t, config);
  const { client } = await connectStdio(t, ["--config", writeConfig(t, {}), "--gateway", first.base]);
  assert.equal(text(await client.callTool({ name: "relay__echo", arguments: { text: "before" } })), "echo: before");
  await first.kernel.stop();
  await assert.rejects(
    client.callTool({ name: "relay__echo", arguments: { text: "while down" } }),
    (error: unknown) => error instanceof McpError && error.code === -32002,
  );
  await startHttpGateway(t, config);
  assert.equal(text(await client.callTool({ name: "relay__echo", arguments: { text: "after" } })), "echo: after");
});

import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { freePort, nodeServer, RELAY_FIXTURE, startHttpGateway } from "../http/support.js";
import { connectStdio, writeConfig, type TestContext } from "./support.js";

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

/** `mcpgw stdio ARGS` whose initialize the bridge must answer with an error: that error's code, message and data. */
async function initializeError(
  t: TestContext,
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; message: string; data: unknown }> {
  const error = await connectStdio(t, ["--config", writeConfig(t, {}), ...args], { env }).then(
    () => assert.fail("initialize went through"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof McpError, String(error));
  return { code: error.code, message: error.message, data: error.data };
}

test("an unreachable gateway is -32000, naming the address and the socket's cause", async (t) => {
  const port = await freePort();
  const error = await initializeError(t, ["--gateway", `http://127.0.0.1:${port}`]);
  assert.equal(error.code, -32000);
  assert.match(
    error.message,
    /The gateway at http:\/\/127\.0\.0\.1:\d+\/mcp is not reachable: ECONNREFUSED; is `mcpgw serve` running\? The next request tries again/,
  );
  // A desktop client that starts the bridge again once the gateway runs gets through.
  const gateway = await startHttpGateway(t, {
    listen_addr: `127.0.0.1:${port}`,
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
  const retry = await connectStdio(t, ["--config", writeConfig(t, {}), "--gateway", gateway.base]);
  assert.ok((await retry.client.listTools()).tools.length > 0);
});

test("no key (401) is -32600 saying a key is needed and how to pass it", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: "bridge-key-123", servers: [] });
  const error = await initializeError(t, ["--gateway", gateway.base]);
  assert.equal(error.code, -32600);
  assert.match(
    error.message,
    /The gateway at http:\/\/127\.0\.0\.1:\d+\/mcp needs an API key \(401: API key required\): pass --api-key or set MCP_GATEWAY_API_KEY/,
  );
  assert.deepEqual(error.data, { http_status: 401 });
});

test("a wrong key (403) is -32600 with the gateway's reason", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: "bridge-key-123", servers: [] });
  const error = await initializeError(t, ["--gateway", gateway.base], { MCP_GATEWAY_API_KEY: "wrong" });
  assert.equal(error.code, -32600);
  assert.match(
    error.message,
    /The gateway at http:\/\/127\.0\.0\.1:\d+\/mcp refused the API key \(403\): Invalid API key; check --api-key or MCP_GATEWAY_API_KEY/,
  );
  assert.deepEqual(error.data, { http_status: 403 });
});

test("a key without the mcp scope (403) is -32600 naming the key and the scope", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_keys: [{ name: "ops", key: "ops-key-0123456789", scopes: ["admin"] }],
    servers: [],
  });
  const error = await initializeError(t, ["--gateway", gateway.base, "--api-key", "ops-key-0123456789"]);
  assert.equal(error.code, -32600);
  assert.match(error.message, /refused the API key \(403\): API key 'ops' lacks the 'mcp' scope/);
});

test("--server naming a server the gateway lacks is -32602, listing the ones it has", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_key: "bridge-key-123",
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("other", RELAY_FIXTURE)],
  });
  const error = await initializeError(t, [
    "--gateway",
    gateway.base,
    "--server",
    "nope",
    "--api-key",
    "bridge-key-123",
  ]);
  assert.equal(error.code, -32602);
  assert.equal(
    error.message.replace(/^MCP error -32602: /, ""),
    `Server 'nope' is not configured on the gateway at ${gateway.base}/; known: relay, other`,
  );
  assert.deepEqual(error.data, { http_status: 404 });
});

test("another refusal or gateway failure carries the status and the gateway's message", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: { "http-frontend": { max_sessions: 1 } },
  });
  await connectStdio(t, ["--config", writeConfig(t, {}), "--gateway", gateway.base]);
  const error = await initializeError(t, ["--gateway", gateway.base]);
  assert.equal(error.code, -32000, "a 5xx is the gateway's side: trying again later may help");
  assert.match(
    error.message,
    /The gateway at http:\/\/127\.0\.0\.1:\d+\/mcp failed \(503\): Too many open sessions \(1\); close one or try again later/,
  );
  assert.deepEqual(error.data, { http_status: 503 });
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
    (error: unknown) => error instanceof McpError && error.code === -32000 && /is not reachable/.test(error.message),
  );
  await startHttpGateway(t, config);
  assert.equal(text(await client.callTool({ name: "relay__echo", arguments: { text: "after" } })), "echo: after");
});

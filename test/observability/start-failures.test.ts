import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { connectClient, nodeServer, startHttpGateway } from "../http/support.js";
import { connectStdio, writeConfig } from "../stdio/support.js";
import { getJson, STATS_FIXTURE } from "./support.js";

const KEY = "start-failure-key-0123456789ab";
const DOCKER = "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.";

function failing(id: string) {
  return nodeServer(id, STATS_FIXTURE, ["--fail-start", DOCKER], { env: { API_TOKEN: "hunter2-secret-xyz" } });
}

test("over HTTP, a failed start tells the client the backend's last stderr lines (redacted), and /servers/:id shows them in last_error", async (t) => {
  const gateway = await startHttpGateway(t, { api_key: KEY, servers: [failing("broken")] });
  const client = await connectClient(t, `${gateway.base}/mcp/broken`, { headers: { authorization: `Bearer ${KEY}` } });
  const error = await client.callTool({ name: "ok", arguments: {} }).then(
    () => assert.fail("the start fails"),
    (failure: Error) => failure.message,
  );
  assert.match(error, /Failed to start server 'broken': process exited with code 3; its last stderr lines:/);
  assert.match(error, /\n {2}starting up\n {2}docker: Cannot connect to the Docker daemon/);
  assert.match(error, /token=\[redacted\]/);
  assert.ok(!error.includes("hunter2-secret-xyz"));
  const detail = await getJson(`${gateway.base}/servers/broken`, KEY);
  assert.match(detail.last_error, /Cannot connect to the Docker daemon/);
  assert.ok(!JSON.stringify(detail).includes("hunter2-secret-xyz"));
  // The warn line says it too (stdio's default level), with the same words.
  const warned = gateway.logs.records.find((record) => record.level === "warn" && /Cannot connect/.test(record.msg));
  assert.ok(warned, "logged at warn");
});

test("mcpgw stdio: the client sees the failing backend's stderr reason in its error", async (t) => {
  const config = writeConfig(t, { servers: [failing("broken")] });
  const { client, stderr } = await connectStdio(t, ["--config", config, "--server", "broken"]);
  const error = await client.callTool({ name: "ok", arguments: {} }).then(
    () => assert.fail("the start fails"),
    (failure: Error) => failure.message,
  );
  assert.match(
    error,
    /process exited with code 3; its last stderr lines:\n {2}starting up\n {2}docker: Cannot connect/,
  );
  assert.ok(!error.includes("hunter2-secret-xyz"));
  assert.ok(!stderr().includes("hunter2-secret-xyz"));
});

test("a call that waits for its backend's start gets a progress notification saying so, when it asked for progress", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("slow", STATS_FIXTURE, [], { env: { START_DELAY_MS: "300" } })],
  });
  const client = await connectClient(t, `${gateway.base}/mcp/slow`);
  // Stopped after its first start (the session's open started it): the next call waits for a start.
  await gateway.supervisor.stop("slow");
  const progress: Progress[] = [];
  const result = await client.callTool({ name: "ok", arguments: {} }, undefined, {
    onprogress: (value) => progress.push(value),
  });
  assert.deepEqual(result.content, [{ type: "text", text: "ok" }]);
  assert.deepEqual(progress, [{ progress: 0, message: "Starting server 'slow'" }] as Progress[]);
  // Once it runs, calls go straight through: no notification.
  progress.length = 0;
  await client.callTool({ name: "ok", arguments: {} }, undefined, { onprogress: (value) => progress.push(value) });
  assert.deepEqual(progress, []);
});

// An unknown name on the aggregated /mcp is answered from the capability cache: it starts no server.
// A name that begins with a never-run server's prefix starts that server alone. Ten probe servers
// note each spawn in one pid file.
import "reflect-metadata";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { tempDir } from "../helpers/files.js";
import { fixture } from "../supervisor/harness.js";
import { connectClient, nodeServer, startHttpGateway } from "./support.js";

const PROBE = fixture("probe-server");

test("an unknown tool, prompt or resource on /mcp starts no server; a tool name starts only its own server", async (t) => {
  const pidFile = path.join(tempDir(t), "pids");
  const ids = Array.from({ length: 10 }, (_, index) => `s${index}`);
  const gateway = await startHttpGateway(t, {
    servers: ids.map((id) => nodeServer(id, PROBE, [], { env: { PID_FILE: pidFile } })),
  });
  const spawns = () => (existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim().split("\n").length : 0);
  const running = () => ids.filter((id) => gateway.supervisor.get(id).status !== "stopped");
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const refused = (what: RegExp) => (error: { code?: number; message: string }) =>
    error.code === -32602 && what.test(error.message);

  await assert.rejects(client.callTool({ name: "nope", arguments: {} }), refused(/Unknown tool: nope/));
  await assert.rejects(client.getPrompt({ name: "nope" }), refused(/Unknown prompt: nope/));
  await assert.rejects(client.readResource({ uri: "probe://nope" }), refused(/Unknown resource: probe:\/\/nope/));
  assert.equal(spawns(), 0, "no backend was started");
  assert.deepEqual(running(), []);

  const echoed = (await client.callTool({ name: "s3__echo", arguments: { text: "hi" } })) as CallToolResult;
  assert.deepEqual(echoed.content, [{ type: "text", text: "hi" }]);
  assert.deepEqual(running(), ["s3"], "the tool's own server, and no other");
  assert.equal(spawns(), 1);

  await assert.rejects(client.callTool({ name: "s3__nope", arguments: {} }), refused(/Unknown tool: s3__nope/));
  assert.equal(spawns(), 1, "a server already known is not started again for a name it lacks");
});

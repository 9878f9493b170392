import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { coreTokens } from "../../src/di/tokens.js";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import { distinctName, exposedName } from "../../src/mcp/toolNames.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";
import { connectClient, RELAY_FIXTURE, startHttpGateway } from "../http/support.js";
import { textOf } from "../pipeline/support.js";
import { fixture } from "../supervisor/harness.js";
import { captureIo } from "./io.js";

const PREFIX = "an_unusually_long_tool_prefix_that_pushes_every_name_past_64_chars";

test("`mcpgw servers` shows the tools renamed to fit clients, from the capability cache, without starting anything", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    "mcpgw.config.yaml": JSON.stringify({
      state_dir: path.join(dir, "state"),
      servers: [
        {
          id: "relay",
          tool_prefix: PREFIX,
          runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] },
          env: { FIXTURE_TOOLS: "1" },
        },
      ],
    }),
  });
  const config = path.join(dir, "mcpgw.config.yaml");
  const before = captureIo(dir);
  assert.equal(await runCli(["servers", "--config", config], "serve", before), 0);
  assert.doesNotMatch(before.out(), /Renamed/, "nothing is known before the server first ran");

  // One run of the server fills the capability cache.
  const loaded = await loadGateway({ configFile: config, env: {}, logger: captureLogs().logger });
  await loaded.kernel!.container.resolve(coreTokens.supervisor).acquire("relay");
  assert.ok(await loaded.kernel!.container.resolve(coreTokens.supervisor).capabilities("relay"));
  await loaded.kernel!.stop();

  const io = captureIo(dir);
  assert.equal(await runCli(["servers", "--config", config], "serve", io), 0);
  const exposed = exposedName(PREFIX, "echo", { separator: "__", maxLength: 64 });
  assert.equal(exposed.length, 64);
  assert.match(io.out(), /Renamed on the aggregated endpoints/);
  assert.ok(io.out().includes(`relay  tool echo  ->  ${exposed}`), io.out());
  assert.ok(io.out().includes("relay  prompt greet  ->  "), "prompts too");

  const json = captureIo(dir);
  await runCli(["servers", "--config", config, "--json"], "serve", json);
  const [server] = JSON.parse(json.out()) as Array<{
    id: string;
    renamed: Array<{ kind: string; original: string; exposed: string }>;
  }>;
  assert.deepEqual(
    server!.renamed.find((item) => item.original === "echo"),
    { kind: "tool", original: "echo", exposed, reason: "fit" },
  );
});

test("two servers' tools with one aggregated name: both stay, the second under a stable distinct name, reported by servers and validate", async (t) => {
  const dir = tempDir(t);
  const relay = {
    id: "relay",
    tool_prefix: "x",
    runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] },
  };
  const probe = {
    id: "probe",
    tool_prefix: "x",
    runtime: { type: "local-process", command: process.execPath, args: [fixture("probe-server")] },
  };
  const configText = {
    listen_addr: "127.0.0.1:0",
    state_dir: path.join(dir, "state"),
    health_check_interval_seconds: 0,
    servers: [relay, probe],
  };
  writeFiles(dir, { "mcpgw.config.yaml": JSON.stringify(configText) });
  const config = path.join(dir, "mcpgw.config.yaml");

  const gateway = await startHttpGateway(t, configText);
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  const distinct = distinctName("probe", "x", "echo", { separator: "__", maxLength: 64 });
  assert.match(distinct, /^x__echo_[0-9a-f]{6}$/);
  assert.ok(names.includes("x__echo") && names.includes(distinct), names.join(", "));
  assert.equal(
    textOf(await client.callTool({ name: "x__echo", arguments: { text: "hi" } })),
    "echo: hi",
    "the first in config order keeps the name",
  );
  assert.equal(
    textOf(await client.callTool({ name: distinct, arguments: { text: "hi" } })),
    "hi",
    "the renamed one reaches its own server",
  );
  assert.match(
    gateway.logs.text(),
    /Tool 'echo' of server 'probe' is listed as 'x__echo_[0-9a-f]{6}': server 'relay' has a tool with the same aggregated name/,
  );
  await gateway.kernel.stop();

  const servers = captureIo(dir);
  assert.equal(await runCli(["servers", "--config", config], "serve", servers), 0);
  assert.ok(servers.out().includes(`probe  tool echo  ->  ${distinct}  (clashes with relay)`), servers.out());
  const validate = captureIo(dir);
  assert.equal(await runCli(["validate", "--config", config], "serve", validate), 0, "a clash is a warning");
  assert.match(
    validate.err(),
    /servers\[1\]: warning: Tool 'echo' of server 'probe' is listed as 'x__echo_[0-9a-f]{6}': server 'relay' has a tool/,
  );
});

test("a resource URI and template two servers list: `mcpgw servers` and `validate` report the distinct URI of the second", async (t) => {
  const dir = tempDir(t);
  const resources = (id: string) => ({
    id,
    runtime: { type: "local-process", command: process.execPath, args: [fixture("resource-server")] },
    env: { LABEL: id },
  });
  writeFiles(dir, {
    "mcpgw.config.yaml": JSON.stringify({
      state_dir: path.join(dir, "state"),
      servers: [resources("a"), resources("b")],
    }),
  });
  const config = path.join(dir, "mcpgw.config.yaml");
  const loaded = await loadGateway({ configFile: config, env: {}, logger: captureLogs().logger });
  const supervisor = loaded.kernel!.container.resolve(coreTokens.supervisor);
  await Promise.all(["a", "b"].map((id) => supervisor.acquire(id)));
  await Promise.all(["a", "b"].map((id) => supervisor.capabilities(id)));
  await loaded.kernel!.stop();

  const servers = captureIo(dir);
  assert.equal(await runCli(["servers", "--config", config], "serve", servers), 0);
  assert.ok(
    servers.out().includes("b  resource memo://shared  ->  mcpgw://b/memo://shared  (clashes with a)"),
    servers.out(),
  );
  assert.ok(
    servers.out().includes("b  resource template memo://item/{id}  ->  mcpgw://b/memo://item/{id}  (clashes with a)"),
    servers.out(),
  );
  assert.doesNotMatch(servers.out(), /memo:\/\/[ab]\/own/, "unique URIs are not reported");
  const validate = captureIo(dir);
  assert.equal(await runCli(["validate", "--config", config], "serve", validate), 0, "a clash is a warning");
  assert.match(
    validate.err(),
    /servers\[1\]: warning: Resource 'memo:\/\/shared' of server 'b' is listed as 'mcpgw:\/\/b\/memo:\/\/shared' on the aggregated endpoints: server 'a' lists the same URI/,
  );
});

import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli/main.js";
import { coreTokens } from "../../src/di/tokens.js";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import { exposedName } from "../../src/mcp/toolNames.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";
import { RELAY_FIXTURE } from "../http/support.js";
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
    { kind: "tool", original: "echo", exposed },
  );
});

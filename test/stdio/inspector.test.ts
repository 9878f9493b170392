import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { RELAY_FIXTURE } from "../http/support.js";
import { tempDir } from "../helpers/files.js";
import { CLI, writeConfig } from "./support.js";

const run = promisify(execFile);

import { INSPECTOR_PACKAGE as INSPECTOR } from "../helpers/external.js";

test("the MCP Inspector CLI lists the aggregated tools through `mcpgw stdio`", async (t) => {
  const config = writeConfig(t, {
    servers: [{ id: "relay", runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] } }],
  });
  // `--` keeps the Inspector from reading the gateway's own --config as its option.
  const { stdout } = await run(
    "npx",
    ["-y", INSPECTOR, "--cli", "--method", "tools/list", "--", process.execPath, CLI, "stdio", "--config", config],
    {
      // A fresh HOME for the Inspector's own files; npm keeps its usual cache so later runs skip the download.
      env: {
        PATH: process.env.PATH,
        HOME: tempDir(t),
        npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), ".npm"),
        npm_config_update_notifier: "false",
      },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const names = (JSON.parse(stdout) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
  assert.ok(names.includes("relay__echo") && names.includes("relay__ask"), names.join(", "));
  assert.ok(names.every((name) => name.startsWith("relay__")));
});

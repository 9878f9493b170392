// The MCP Inspector's CLI (a real third-party client) against the aggregated /mcp.
import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { INSPECTOR_PACKAGE } from "../helpers/external.js";
import { tempDir } from "../helpers/files.js";
import { CONFORMANCE_FIXTURE, nodeServer, RELAY_FIXTURE, startHttpGateway, type TestContext } from "./support.js";

/** Runs `npx -y <inspector> --cli ...args` without a shell, HOME in a temp folder (it writes ~/.mcp-inspector), npm's cache shared. */
function inspector(t: TestContext, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = tempDir(t, "mcpgw-inspector-home-");
  const npx = path.join(path.dirname(process.execPath), "npx");
  return new Promise((resolve, reject) => {
    const child = spawn(npx, ["-y", INSPECTOR_PACKAGE, "--cli", ...args], {
      shell: false,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), ".npm"),
        npm_config_update_notifier: "false",
        NO_COLOR: "1",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const kill = () => {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    t.after(kill);
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`inspector timed out:\n${stdout}\n${stderr}`));
    }, 180_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("MCP Inspector CLI lists the aggregated tools and calls one through /mcp", async (t) => {
  const gateway = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("conf", CONFORMANCE_FIXTURE)],
  });
  const listed = await inspector(t, [`${gateway.base}/mcp`, "--method", "tools/list"]);
  assert.equal(listed.code, 0, listed.stderr);
  const names = (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
  for (const name of [
    "relay__tool_1",
    "relay__tool_5",
    "relay__echo",
    "relay__records",
    "conf__test_simple_text",
    "conf__json_schema_2020_12_tool",
  ]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
  const called = await inspector(t, [
    `${gateway.base}/mcp`,
    "--method",
    "tools/call",
    "--tool-name",
    "relay__echo",
    "--tool-arg",
    "text=from-inspector",
  ]);
  assert.equal(called.code, 0, called.stderr);
  assert.deepEqual(JSON.parse(called.stdout).content, [{ type: "text", text: "echo: from-inspector" }]);
});

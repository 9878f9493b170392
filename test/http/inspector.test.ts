// The MCP Inspector's CLI (a real third-party client) against the aggregated /mcp.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { INSPECTOR_PACKAGE } from "../helpers/external.js";
import { runNpx } from "../helpers/npx.js";
import { CONFORMANCE_FIXTURE, nodeServer, RELAY_FIXTURE, startHttpGateway, type TestContext } from "./support.js";

/** Runs the Inspector's CLI (it writes ~/.mcp-inspector into the throwaway HOME). */
function inspector(t: TestContext, args: string[]) {
  return runNpx(t, [INSPECTOR_PACKAGE, "--cli", ...args]);
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

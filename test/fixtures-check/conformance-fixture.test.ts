// Proves the conformance fixture on its own, before any gateway sits in front of it: the official suite
// run directly against `conformance-server.js --http 0` must pass every active scenario, and the stdio mode
// (the one the gateway uses) must serve the same tools.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CONFORMANCE_FIXTURE as fixture, runConformanceServer, startHttpFixture } from "../helpers/conformance.js";

function postInitialize(port: number, headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "fixture-check", version: "1.0.0" },
    },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/mcp",
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

test("conformance fixture over HTTP refuses a foreign Host or Origin with 403 and accepts loopback", async (t) => {
  const { port } = await startHttpFixture(t);
  assert.equal(await postInitialize(port, { host: "evil.example.com" }), 403);
  assert.equal(await postInitialize(port, { host: `127.0.0.1:${port}`, origin: "http://evil.example.com" }), 403);
  assert.equal(await postInitialize(port, { host: `localhost:${port}`, origin: `http://localhost:${port}` }), 200);
});

test("conformance fixture over stdio serves the suite's tools, resources and prompts", async (t) => {
  const client = new Client({ name: "fixture-check", version: "1.0.0" });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [fixture],
    env: getDefaultEnvironment(),
    stderr: "pipe",
  });
  t.after(() => client.close());
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((tool) => tool.name);
  for (const name of [
    "test_simple_text",
    "test_sampling",
    "test_elicitation_sep1330_enums",
    "json_schema_2020_12_tool",
    "test_reconnection",
    "test_missing_capability",
    "test_input_required_result_multi_round",
    "test_trigger_tool_change",
  ]) {
    assert.ok(tools.includes(name), `missing tool ${name}`);
  }
  // 14 for the 2025-era suite, 13 for the 2026-07-28 scenarios (inputTools.ts).
  assert.equal(tools.length, 27);
  const simple = await client.callTool({ name: "test_simple_text", arguments: {} });
  assert.deepEqual(simple.content, [{ type: "text", text: "This is a simple text response for testing." }]);
  const jsonTool = (await client.listTools()).tools.find((tool) => tool.name === "json_schema_2020_12_tool");
  assert.equal(jsonTool?.inputSchema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(jsonTool?.inputSchema.additionalProperties, false);
  const template = await client.readResource({ uri: "test://template/77/data" });
  assert.match(JSON.stringify(template.contents), /Data for ID: 77/);
  const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
  assert.deepEqual(prompts.sort(), [
    "test_input_required_result_prompt",
    "test_prompt_with_arguments",
    "test_prompt_with_embedded_resource",
    "test_prompt_with_image",
    "test_simple_prompt",
  ]);
  assert.deepEqual(await client.ping(), {});
});

test(
  "official conformance suite (active) passes every check against the fixture directly",
  { timeout: 6 * 60_000 },
  async (t) => {
    const { url } = await startHttpFixture(t);
    const result = await runConformanceServer(url);
    t.diagnostic(
      `active suite: ${result.total.passed} passed, ${result.total.failed} failed in ${result.durationMs} ms`,
    );
    assert.equal(result.total.failed, 0, result.output);
    assert.equal(result.exitCode, 0, result.output);
    // 0.1.16's active suite has 30 scenarios and 40 checks; each scenario must have passed at least one check.
    assert.ok(result.scenarios.length >= 30, `only ${result.scenarios.length} scenarios ran:\n${result.output}`);
    for (const scenario of result.scenarios) {
      assert.ok(
        scenario.passed >= 1 && scenario.failed === 0,
        `${scenario.name}: ${scenario.passed} passed, ${scenario.failed} failed`,
      );
    }
    assert.ok(result.total.passed >= 40, `expected at least 40 passed checks, got ${result.total.passed}`);
    for (const name of [
      "dns-rebinding-protection",
      "server-sse-multiple-streams",
      "tools-call-sampling",
      "elicitation-sep1330-enums",
    ]) {
      assert.ok(
        result.scenarios.some((scenario) => scenario.name === name),
        `scenario ${name} did not run`,
      );
    }
  },
);

test(
  "official conformance suite (pending) passes json-schema-2020-12 and SSE polling against the fixture",
  { timeout: 6 * 60_000 },
  async (t) => {
    const { url } = await startHttpFixture(t);
    const result = await runConformanceServer(url, { suite: "pending" });
    t.diagnostic(
      `pending suite: ${result.total.passed} passed, ${result.total.failed} failed in ${result.durationMs} ms`,
    );
    assert.equal(result.total.failed, 0, result.output);
    assert.equal(result.exitCode, 0, result.output);
    assert.deepEqual(
      result.scenarios.find((scenario) => scenario.name === "json-schema-2020-12"),
      { name: "json-schema-2020-12", passed: 4, failed: 0 },
      result.output,
    );
    // The resume check (stream closed mid-call, result replayed after GET with Last-Event-ID).
    const polling = await runConformanceServer(url, { scenario: "server-sse-polling" });
    assert.deepEqual(polling.total, { passed: 1, failed: 0 }, polling.output);
    assert.match(polling.output, /server-sse-disconnect-resume\s*\]\s*SUCCESS/);
  },
);

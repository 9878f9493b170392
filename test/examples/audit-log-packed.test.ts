// The audit-log example as users get it: the gateway and the example, each `npm pack`ed (the example
// built by its own `npm run build` first), installed into an app, served by the app's `mcpgw serve`.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { run } from "../cli/spawn.js";
import { repoRoot } from "../helpers/files.js";
import { installedCopies, packedApp, servePackedApp, type PackedApp } from "../helpers/packedApp.js";
import { RELAY_FIXTURE, suiteScope } from "../http/support.js";

const EXAMPLE_DIR = path.join(repoRoot, "examples", "mcpgw-plugin-audit-log");
const OPS_KEY = "ops-key-0123456789abcdef";
const AGENT_KEY = "agent-key-0123456789abcdef";

const CONFIG = `api_keys:
  - { name: ops, key: ${OPS_KEY}, scopes: ["*"] }
  - { name: agent, key: ${AGENT_KEY}, scopes: [mcp] }
plugins:
  audit-log:
    file: logs/audit.jsonl
servers:
  - id: relay
    runtime:
      type: local-process
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(RELAY_FIXTURE)}]
health_check_interval_seconds: 0
`;

const scope = suiteScope();
let app: PackedApp;

before(async () => {
  app = await packedApp(scope, { packages: [EXAMPLE_DIR], files: { "mcpgw.config.yaml": CONFIG } });
});
after(() => scope.cleanup());

test("npm installs the plugin with the gateway as its peer: one copy of open-mcp-gateway, only dist and README in the package", () => {
  assert.deepEqual(installedCopies(app, "open-mcp-gateway"), [path.join("node_modules", "open-mcp-gateway")]);
  const installed = path.join(app.dir, "node_modules", "mcpgw-plugin-audit-log");
  assert.ok(existsSync(path.join(installed, "dist", "index.js")));
  assert.ok(existsSync(path.join(installed, "dist", "index.d.ts")));
  assert.ok(existsSync(path.join(installed, "README.md")));
  assert.equal(existsSync(path.join(installed, "src")), false);
  assert.equal(existsSync(path.join(installed, "tsconfig.json")), false);
});

test("`mcpgw plugins` in the app lists audit-log from npm with its version", async () => {
  const table = await run(app.mcpgw, ["plugins"], { cwd: app.dir });
  assert.equal(table.code, 0, table.stderr);
  const row = table.stdout.split("\n").find((line) => line.startsWith("audit-log "));
  assert.deepEqual(row?.split(/\s{2,}/), ["audit-log", "1.0.0", "npm mcpgw-plugin-audit-log", "enabled"]);
});

test("a tools/call through the packed gateway is written to the file and served by GET /audit", async (t) => {
  const { child, url } = await servePackedApp(t, app);
  const client = new Client({ name: "packed-audit-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": AGENT_KEY } } }),
  );
  t.after(() => client.close());
  const result = (await client.callTool({ name: "relay__echo", arguments: { text: "hello" } })) as CallToolResult;
  assert.deepEqual(result.content, [{ type: "text", text: "echo: hello" }]);
  await client.close();

  const audit = await fetch(`${url}/audit`, { headers: { authorization: `Bearer ${OPS_KEY}` } });
  assert.equal(audit.status, 200);
  const entries = (await audit.json()) as Array<Record<string, unknown>>;
  assert.equal((await fetch(`${url}/audit`, { headers: { "x-api-key": AGENT_KEY } })).status, 403);
  assert.equal((await fetch(`${url}/audit`)).status, 401);

  // A graceful stop closes the file; the line is there, and equal to what the route returned.
  child.process.kill("SIGTERM");
  const finished = await child.exited;
  assert.equal(finished.code, 0, finished.stderr);
  const lines = readFileSync(path.join(app.dir, "logs", "audit.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines, entries);
  assert.equal(lines.length, 1);
  const { time, duration_ms, ...rest } = lines[0]!;
  assert.match(String(time), /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.equal(typeof duration_ms, "number");
  assert.deepEqual(rest, {
    principal: "agent",
    transport: "streamable-http",
    server: "relay",
    tool: "relay__echo",
    tool_original: "echo",
    outcome: "ok",
  });
});

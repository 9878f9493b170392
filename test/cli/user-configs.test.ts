// Configs as users have them, through the real bins: a claude_desktop_config.json served as-is, and
// the original's per-server stdio pattern while another server's variable is unset.
import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { tempDir, writeFiles } from "../helpers/files.js";
import { RELAY_FIXTURE } from "../http/support.js";
import { CLI, GATEWAY_STDIO, cleanEnv, run, start } from "./spawn.js";

type TestContext = { after(fn: () => unknown): void };

/** A Claude Desktop file: the app's own keys, names with capitals and spaces, disabledTools, and one server needing MEMORY_DIR. */
function desktopProject(t: TestContext): string {
  const dir = tempDir(t);
  const relay = { command: process.execPath, args: [RELAY_FIXTURE] };
  writeFiles(dir, {
    "package.json": "{}\n",
    "claude_desktop_config.json": JSON.stringify(
      {
        globalShortcut: "Alt+Space",
        mcpServers: {
          GitHub: relay,
          "My Server": { ...relay, disabledTools: ["records"] },
          memory: { ...relay, env: { MEMORY_DIR: "${MEMORY_DIR}" } },
        },
      },
      null,
      2,
    ),
  });
  return dir;
}

async function connect(t: TestContext, url: string): Promise<Client> {
  const client = new Client({ name: "user-configs-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  t.after(() => client.close());
  return client;
}

test("a claude_desktop_config.json with extra keys, spaced names and an unset variable validates, lists and serves", async (t) => {
  const cwd = desktopProject(t);
  const env = cleanEnv({ XDG_CACHE_HOME: path.join(cwd, "state") });
  delete env.MEMORY_DIR;
  const config = ["--config", "claude_desktop_config.json"];

  const validated = await run(CLI, ["validate", ...config], { cwd, env });
  assert.equal(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /^Configuration is valid: .*claude_desktop_config\.json, 3 servers/);
  const warnings = validated.stderr.trim().split("\n");
  assert.equal(warnings.length, 2, validated.stderr);
  assert.match(warnings[0]!, /^claude_desktop_config\.json:2:3 globalShortcut: warning: Ignoring 'globalShortcut'/);
  assert.match(
    warnings[1]!,
    /mcpServers\.memory\.env\.MEMORY_DIR: warning: Environment variable 'MEMORY_DIR' is not set/,
  );

  const listed = await run(CLI, ["servers", ...config], { cwd, env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.stdout.split("\n"), [
    "ID         NAME       RUNTIME        TAGS",
    "github     GitHub     local-process",
    "my-server  My Server  local-process",
    "memory     memory     local-process",
    "",
    "  Server 'memory' is unavailable: environment variable 'MEMORY_DIR' is not set (mcpServers.memory.env.MEMORY_DIR)",
    "",
  ]);

  const gateway = start(t, CLI, ["serve", ...config, "--listen-addr", "127.0.0.1:0"], { cwd, env });
  const line = await gateway.waitForStderr(/Listening on http:/);
  const base = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;

  const rest = (await (await fetch(`${base}/servers`)).json()) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rest.map((server) => [server.id, server.display_name]),
    [
      ["github", "GitHub"],
      ["my-server", "My Server"],
      ["memory", "memory"],
    ],
  );
  assert.match(String(rest[2]!.last_error), /environment variable 'MEMORY_DIR' is not set/);

  // The servers that need nothing unset work; disabledTools hides and refuses.
  const own = await connect(t, `${base}/mcp/my-server`);
  const names = (await own.listTools()).tools.map((tool) => tool.name);
  assert.ok(names.includes("echo") && !names.includes("records"), names.join(", "));
  assert.deepEqual((await own.callTool({ name: "echo", arguments: { text: "hi" } })).content, [
    { type: "text", text: "echo: hi" },
  ]);
  await assert.rejects(own.callTool({ name: "records", arguments: {} }), /records/);
  const aggregated = await connect(t, `${base}/mcp`);
  const called = await aggregated.callTool({ name: "github__echo", arguments: { text: "gh" } });
  assert.deepEqual(called.content, [{ type: "text", text: "echo: gh" }]);

  // The unavailable one says which variable, on every way in.
  const refused = await aggregated.callTool({ name: "memory__echo", arguments: { text: "x" } }).then(
    (result) => JSON.stringify(result),
    (error: Error) => error.message,
  );
  assert.match(refused, /Server 'memory' is unavailable: environment variable 'MEMORY_DIR' is not set/);
  const adminStart = await fetch(`${base}/servers/memory/start`, { method: "POST" });
  assert.equal(adminStart.status, 502);
  assert.match(((await adminStart.json()) as { message: string }).message, /MEMORY_DIR/);
  const one = await connect(t, `${base}/mcp/memory`);
  await assert.rejects(
    one.callTool({ name: "echo", arguments: { text: "x" } }),
    /Server 'memory' is unavailable: environment variable 'MEMORY_DIR' is not set/,
  );

  // Listed as unavailable once, at load; the aggregated lists do not try (and warn about) it each time.
  await aggregated.listTools();
  assert.ok(!gateway.stderr.includes("Left out of the aggregated lists"), gateway.stderr);
  gateway.process.kill("SIGTERM");
  assert.equal((await gateway.exited).code, 0);
});

test("the original's `gateway-stdio --server everything --catalog catalog.yaml` starts while another server's variable is unset", async (t) => {
  const cwd = tempDir(t);
  writeFiles(cwd, {
    "package.json": "{}\n",
    "catalog.yaml": [
      "servers:",
      "  - id: everything",
      "    runtime:",
      "      type: local-process",
      `      command: ${JSON.stringify(process.execPath)}`,
      `      args: [${JSON.stringify(RELAY_FIXTURE)}]`,
      "  - id: memory",
      "    runtime:",
      "      type: local-process",
      `      command: ${JSON.stringify(process.execPath)}`,
      `      args: [${JSON.stringify(RELAY_FIXTURE)}]`,
      '    env: { MEMORY_FILE_PATH: "${MEMORY_DIR}/memory.json" }',
    ].join("\n"),
  });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GATEWAY_STDIO, "--server", "everything", "--catalog", "catalog.yaml"],
    cwd,
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", XDG_CACHE_HOME: path.join(cwd, "state") },
  });
  let stderr = "";
  transport.stderr!.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "original-stdio", version: "1.0.0" });
  await client.connect(transport);
  t.after(() => client.close());
  const result = await client.callTool({ name: "echo", arguments: { text: "still here" } });
  assert.deepEqual(result.content, [{ type: "text", text: "echo: still here" }], stderr);
  assert.match(stderr, /MEMORY_DIR/);
});

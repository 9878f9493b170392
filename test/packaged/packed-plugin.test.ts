// The packaged path, as users run it: the gateway and a third-party runtime plugin, each `npm pack`ed,
// installed into an app of their own, served by the app's node_modules/.bin/mcpgw (the bundle).
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { run } from "../cli/spawn.js";
import { repoRoot, writeFiles } from "../helpers/files.js";
import { installedCopies, packedApp, servePackedApp, type PackedApp } from "../helpers/packedApp.js";
import { suiteScope } from "../http/support.js";

const ECHO_PLUGIN = path.join(repoRoot, "test", "fixtures", "packages", "mcpgw-plugin-echo-runtime");

const CONFIG = `plugins:
  echo-runtime:
    prefix: ">> "
servers:
  - id: echo
    runtime:
      type: echo
`;

const scope = suiteScope();
let app: PackedApp;

before(async () => {
  app = await packedApp(scope, { packages: [ECHO_PLUGIN], files: { "mcpgw.config.yaml": CONFIG } });
});
after(() => scope.cleanup());

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

test("npm installs one copy of the SDK and of zod, the gateway's, for the plugin too", () => {
  assert.deepEqual(installedCopies(app, "@modelcontextprotocol/sdk"), [
    path.join("node_modules", "@modelcontextprotocol", "sdk"),
  ]);
  assert.deepEqual(installedCopies(app, "zod"), [path.join("node_modules", "zod")]);
});

test("a tools/call reaches the plugin's runtime through the packed gateway, and the plugin shares the gateway's McpError and zod", async (t) => {
  const { url } = await servePackedApp(t, app);
  const client = new Client({ name: "packed-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  t.after(() => client.close());

  const echoed = await client.callTool({ name: "echo__echo", arguments: { text: "hi" } });
  assert.deepEqual(echoed.content, [{ type: "text", text: ">> hi" }]);

  // Found by the plugin while the gateway's SDK client connected to its runtime (see the fixture).
  const copies = JSON.parse(text(await client.callTool({ name: "echo__copies", arguments: {} })));
  assert.deepEqual(copies, {
    sameZod: true,
    clientError: { thrown: "McpError", code: -32601, instanceOfMcpError: true, methodNotFound: true },
  });
});

test("`mcpgw plugins` in the app shows the installed package's version", async () => {
  const table = await run(app.mcpgw, ["plugins"], { cwd: app.dir });
  assert.equal(table.code, 0, table.stderr);
  const row = table.stdout.split("\n").find((line) => line.startsWith("echo-runtime "));
  assert.deepEqual(row?.split(/\s{2,}/), ["echo-runtime", "2.3.4", "npm mcpgw-plugin-echo-runtime", "enabled"]);
  const json = await run(app.mcpgw, ["plugins", "--json"], { cwd: app.dir });
  const record = (JSON.parse(json.stdout) as Array<Record<string, unknown>>).find(
    (plugin) => plugin.name === "echo-runtime",
  );
  assert.deepEqual(
    [record?.packageName, record?.version, record?.status],
    ["mcpgw-plugin-echo-runtime", "2.3.4", "enabled"],
  );
});

test("a typo in the plugin's name names the installed package", async () => {
  writeFiles(app.dir, { "typo.yaml": CONFIG.replace("echo-runtime:", "echo-runtme:") });
  const result = await run(app.mcpgw, ["validate", "--config", "typo.yaml"], { cwd: app.dir });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^typo\.yaml:2:3 plugins\.echo-runtme: Plugin 'echo-runtme' not found: .*; did you mean 'echo-runtime', the installed package 'mcpgw-plugin-echo-runtime'\?/,
  );
});

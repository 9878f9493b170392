// The package as users install it: the gateway and mcpgw-plugin-docker, each `npm pack`ed (the plugin
// built by its own `npm run build`), installed into an app, enabled as `plugins: { docker: ... }`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { run } from "../../../test/cli/spawn.js";
import { repoRoot } from "../../../test/helpers/files.js";
import { installedCopies, packedApp, servePackedApp, type PackedApp } from "../../../test/helpers/packedApp.js";
import { connectClient, suiteScope } from "../../../test/http/support.js";
import { testEngine, type TestEngine } from "./helpers/engine.js";
import { callText, dockerServer } from "./support.js";

const PACKAGE_DIR = path.join(repoRoot, "packages", "mcpgw-plugin-docker");
const scope = suiteScope();
let engine: TestEngine;
let app: PackedApp;

before(async () => {
  engine = await testEngine(scope);
  const config = {
    health_check_interval_seconds: 0,
    plugins: { docker: { host: engine.host } },
    servers: [dockerServer(engine, "packed")],
  };
  app = await packedApp(scope, { packages: [PACKAGE_DIR], files: { "mcpgw.config.json": JSON.stringify(config) } });
});
after(() => scope.cleanup());

test("npm installs the plugin with the gateway as its peer and dockerode as its dependency; only dist and README ship", () => {
  assert.deepEqual(installedCopies(app, "open-mcp-gateway"), [path.join("node_modules", "open-mcp-gateway")]);
  assert.equal(installedCopies(app, "dockerode").length, 1);
  const installed = path.join(app.dir, "node_modules", "mcpgw-plugin-docker");
  assert.ok(existsSync(path.join(installed, "dist", "index.js")));
  assert.ok(existsSync(path.join(installed, "README.md")));
  assert.equal(existsSync(path.join(installed, "src")), false);
  assert.equal(existsSync(path.join(installed, "test")), false);
});

test("`mcpgw plugins` lists docker from npm with its version", async () => {
  const table = await run(app.mcpgw, ["plugins"], { cwd: app.dir });
  assert.equal(table.code, 0, table.stderr);
  const row = table.stdout.split("\n").find((line) => line.startsWith("docker "));
  assert.deepEqual(row?.split(/\s{2,}/), ["docker", "0.1.0", "npm mcpgw-plugin-docker", "enabled"]);
});

test("`mcpgw servers` shows the docker runtime type, and a call through the packed gateway runs in a container", async (t) => {
  const servers = await run(app.mcpgw, ["servers"], { cwd: app.dir });
  assert.equal(servers.code, 0, servers.stderr);
  assert.match(servers.stdout, /packed\s+docker/);
  const { url } = await servePackedApp(t, app);
  const client = await connectClient(t, `${url}/mcp/packed`);
  assert.equal(await callText(client, "echo", { text: "packed" }), "echo: packed");
});

test("the shipped example config (Docker MCP catalog images) is valid, with a warning for each relaxation", async () => {
  const example = path.join(app.dir, "node_modules", "mcpgw-plugin-docker", "examples", "docker.mcpgw.yaml");
  const result = await run(app.mcpgw, ["validate", "--config", example], { cwd: app.dir });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const output = result.stdout + result.stderr;
  assert.match(output, /Server 'fetch': its container gets network 'bridge'/);
  assert.match(output, /Server 'memory': volume mcpgw-memory:\/data is writable from the container/);
  assert.doesNotMatch(output, /Server '(time|thinking|files)'/);
});

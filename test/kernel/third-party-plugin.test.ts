import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { symlinkSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_BUNDLE } from "../../src/gateway/builtins.js";
import { promisify } from "node:util";
import { loadGateway } from "../../src/gateway/loadGateway.js";
import { gatewayVersion } from "../../src/version.js";
import { CLI, repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";

const run = promisify(execFile);

/** A real third-party package: ESM, its own package.json, importing only `open-mcp-gateway`. */
const HELLO_PLUGIN = `import { definePlugin, parsePluginOptions, zodMini as z } from "open-mcp-gateway";

const options = z.strictObject({ greeting: z._default(z.string(), "hello") });

export default definePlugin((raw) => {
  const { greeting } = parsePluginOptions("hello", options, raw);
  return {
    name: "hello",
    // Stale on purpose: what \`mcpgw plugins\` shows is the installed package.json's version.
    meta: { name: "mcpgw-plugin-hello", version: "1.2.0" },
    apply(ctx) {
      ctx.defineRuntime({
        type: "hello-runtime",
        options: z.strictObject({ target: z.string() }),
        async create(server) {
          return { greeting: greeting + " " + server.runtime.target, server: server.id };
        },
      });
      ctx.hooks.configLoaded.tap("hello", (config) => ctx.logger.info(greeting + ": " + config.servers.length + " servers"));
    },
  };
});
`;

function project(t: Parameters<typeof tempDir>[0], config: string): string {
  const dir = tempDir(t);
  writeFiles(dir, {
    "package.json": JSON.stringify({ name: "my-gateway", private: true }),
    "node_modules/mcpgw-plugin-hello/package.json": JSON.stringify({
      name: "mcpgw-plugin-hello",
      version: "1.2.3",
      type: "module",
      exports: { ".": "./index.js" },
      peerDependencies: { "open-mcp-gateway": "*" },
    }),
    "node_modules/mcpgw-plugin-hello/index.js": HELLO_PLUGIN,
    "mcpgw.config.yaml": config,
  });
  symlinkSync(repoRoot, path.join(dir, "node_modules", "open-mcp-gateway"), "dir");
  return dir;
}

const SERVERS = `servers:
  - id: greeter
    runtime: { type: hello-runtime, target: world }
`;

for (const specifier of ["hello", "mcpgw-plugin-hello"]) {
  test(`a third-party package loads by ${specifier === "hello" ? "shorthand" : "full name"}, with options, and adds a runtime type`, async (t) => {
    const dir = project(t, `plugins:\n  ${specifier}:\n    greeting: hi\n${SERVERS}`);
    const logs = captureLogs();
    const loaded = await loadGateway({ cwd: dir, env: {}, mode: "inspect", logger: logs.logger });
    assert.deepEqual(loaded.issues, []);
    const record = loaded.plugins.find((p) => p.name === "hello");
    assert.deepEqual(
      [record?.source, record?.packageName, record?.version, record?.status],
      ["npm", "mcpgw-plugin-hello", "1.2.3", "enabled"],
    );
    const kernel = loaded.kernel!;
    t.after(() => kernel.stop());
    assert.deepEqual(kernel.config.servers[0]!.runtime, { type: "hello-runtime", target: "world" });
    const backend = await kernel.hooks.runtime.get("hello-runtime")!.promise(kernel.config.servers[0]!, {} as never);
    assert.deepEqual(backend, { greeting: "hi world", server: "greeter" });
    assert.match(logs.text(), /"plugin":"hello".*"msg":"hi: 1 servers"/);
  });
}

test("without the plugin, its runtime type is unknown at validation", async (t) => {
  const dir = project(t, SERVERS);
  const loaded = await loadGateway({ cwd: dir, env: {}, mode: "inspect", logger: captureLogs().logger });
  assert.equal(loaded.kernel, undefined);
  assert.match(loaded.issues[0]!.message, /^Server 'greeter' has unknown runtime type: hello-runtime/);
  assert.equal(loaded.issues[0]!.line, 3);
});

test("the plugin validates its own options; a typo points at the key", async (t) => {
  const dir = project(t, `plugins:\n  hello:\n    greting: hi\n${SERVERS}`);
  const loaded = await loadGateway({ cwd: dir, env: {}, mode: "inspect", logger: captureLogs().logger });
  assert.equal(loaded.kernel, undefined);
  assert.deepEqual(
    loaded.issues.map((i) => [i.path.join("."), i.line, i.message]),
    [
      ["plugins.hello.greting", 3, "Unknown key 'greting' (did you mean 'greeting'?)"],
      [
        "servers.0.runtime.type",
        6,
        "Server 'greeter' has unknown runtime type: hello-runtime (plugin 'hello' failed to load and may provide it)",
      ],
    ],
  );
});

test("`mcpgw plugins` in that folder lists the package with its version", async (t) => {
  const dir = project(t, `plugins:\n  hello: {}\n  stats: false\n${SERVERS}`);
  const { stdout } = await run(process.execPath, [CLI, "plugins"], { cwd: dir, env: { PATH: process.env.PATH } });
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => line.split(/\s{2,}/));
  assert.deepEqual(lines[0], ["ID", "VERSION", "FROM", "STATUS"]);
  assert.deepEqual(
    lines.find((cells) => cells[0] === "hello"),
    ["hello", "1.2.3", "npm mcpgw-plugin-hello", "enabled"],
  );
  assert.deepEqual(
    lines.find((cells) => cells[0] === "stats"),
    ["stats", gatewayVersion(), "builtin", "disabled"],
  );
  // The header, every built-in and the package.
  assert.equal(lines.length, DEFAULT_BUNDLE.length + 2);
});

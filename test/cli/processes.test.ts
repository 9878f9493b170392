import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import { DEFAULT_BUNDLE } from "../../src/gateway/builtins.js";
import { repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { CLI, GATEWAY_HTTP, GATEWAY_STDIO, cleanEnv, logLines, run, runExpectingRefusal, start } from "./spawn.js";

const VERSION = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

function project(t: { after(fn: () => void): void }, files: Record<string, string> = {}): string {
  const dir = tempDir(t);
  writeFiles(dir, { "package.json": "{}\n", ...files });
  return dir;
}

test("mcpgw --version and --help: stdout only, exit 0; gateway-http and gateway-stdio too", async (t) => {
  const cwd = project(t);
  const results = await Promise.all([
    run(CLI, ["--version"], { cwd }),
    run(GATEWAY_HTTP, ["--version"], { cwd }),
    run(GATEWAY_STDIO, ["--version"], { cwd }),
    run(CLI, ["--help"], { cwd }),
  ]);
  for (const result of results.slice(0, 3))
    assert.deepEqual(result, { code: 0, signal: null, stdout: `${VERSION}\n`, stderr: "" });
  assert.equal(results[3]!.code, 0);
  assert.match(
    results[3]!.stdout,
    /^Open MCP Gateway: one endpoint in front of many MCP servers\.\n\nUsage:\n  mcpgw \[serve\]/,
  );
  assert.equal(results[3]!.stderr, "");
});

test("a usage error exits 2 with the message on stderr and nothing on stdout", async (t) => {
  const cwd = project(t);
  const [bogus, stdioFlag] = await Promise.all([
    run(CLI, ["bogus"], { cwd }),
    run(GATEWAY_STDIO, ["--listen-addr", "127.0.0.1:0"], { cwd }),
  ]);
  assert.equal(bogus.code, 2);
  assert.equal(bogus.stdout, "");
  assert.match(
    bogus.stderr,
    /^mcpgw: Unknown command 'bogus'; commands: serve, stdio, validate, plugins, servers, reload\n\nOpen MCP Gateway/,
  );
  assert.equal(stdioFlag.code, 2);
  assert.equal(stdioFlag.stdout, "");
  assert.match(
    stdioFlag.stderr,
    /^mcpgw: Option --listen-addr does not apply to 'stdio' \(it is an option of 'serve', 'reload'\)\n/,
  );
  const port = await run(CLI, ["--port", "4444"], { cwd });
  assert.equal(port.code, 2);
  assert.match(port.stderr, /^mcpgw: Unknown option '--port' \(did you mean '--listen-addr'\?\)\n\nOpen MCP Gateway/);
});

test("validate on a broken config prints every problem with its line and exits 1", async (t) => {
  const cwd = project(t, {
    "gw.yaml": [
      "bogus_key: 1",
      "servers:",
      "  - id: a",
      "    runtime: { type: nope }",
      "  - runtime: { type: local-process, command: node }",
      "  - id: a",
      "    runtime: { type: local-process, command: node }",
    ].join("\n"),
  });
  const result = await run(CLI, ["validate", "--config", "gw.yaml"], { cwd });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    [
      "gw.yaml:1:1 bogus_key: Unknown key 'bogus_key'",
      "gw.yaml:4:16 servers[0].runtime.type: Server 'a' has unknown runtime type: nope (known: local-process, remote-sse; a plugin may provide it)",
      "gw.yaml:5:5 servers[1]: Server at index 1 missing required field: id",
      "gw.yaml:6:5 servers[2]: Duplicate server ID: a",
      "4 problems in gw.yaml",
      "",
    ].join("\n"),
  );
});

test("validate on the repo's example config exits 0", async () => {
  const result = await run(CLI, ["validate"], { cwd: repoRoot });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    new RegExp(`^Configuration is valid: .*mcpgw\\.config\\.yaml, 2 servers, ${DEFAULT_BUNDLE.length} plugins\\n$`),
  );
});

test("servers and plugins print tables (and --json) on stdout", async (t) => {
  const cwd = project(t, {
    "mcpgw.config.yaml": "servers:\n  one: { tags: [a, b], runtime: { type: local-process, command: node } }\n",
  });
  const [servers, serversJson, plugins] = await Promise.all([
    run(CLI, ["servers"], { cwd }),
    run(CLI, ["servers", "--json"], { cwd }),
    run(CLI, ["plugins", "--json"], { cwd }),
  ]);
  assert.deepEqual(servers, {
    code: 0,
    signal: null,
    stdout: "ID   RUNTIME        TAGS\none  local-process  a, b\n",
    stderr: "",
  });
  assert.equal(serversJson.code, 0);
  assert.deepEqual(
    (JSON.parse(serversJson.stdout) as Array<{ id: string }>).map((server) => server.id),
    ["one"],
  );
  assert.equal(plugins.code, 0);
  assert.deepEqual(
    (JSON.parse(plugins.stdout) as Array<{ name: string; status: string }>).map(
      (plugin) => `${plugin.name}:${plugin.status}`,
    ),
    [
      "process-runtime",
      "sse-runtime",
      "api-key-auth",
      "hot-reload",
      "stats",
      "tracing",
      "tool-filter",
      "cluster",
      "http-frontend",
      "stdio-frontend",
    ].map((id) => `${id}:enabled`),
  );
});

test("serve with no config at all says how to add servers, listens, and exits 0 on SIGTERM", async (t) => {
  const cwd = project(t);
  const child = start(t, CLI, ["--listen-addr", "127.0.0.1:0"], { cwd });
  const listening = await child.waitForStderr(/"msg":"Listening on http:\/\/127\.0\.0\.1:\d+"/);
  const port = Number(/:(\d+)"/.exec(listening)![1]);
  assert.ok(port > 0);
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok" });
  child.process.kill("SIGTERM");
  const finished = await child.exited;
  assert.equal(finished.code, 0);
  assert.equal(finished.stdout, "");
  const messages = logLines(finished.stderr).map((line) => line.msg);
  const hint = messages.find((msg) => msg.startsWith("No config file found"));
  assert.equal(
    hint,
    `No config file found from ${cwd}; running with no servers. Add servers in mcpgw.config.yaml (servers: [{id, runtime: {type: local-process, command, args}}]) or pass --config FILE`,
  );
  assert.ok(messages.includes("Starting Open MCP Gateway"), messages.join("\n"));
  assert.ok(messages.includes("SIGTERM received: draining and stopping"), messages.join("\n"));
});

test("gateway-http is mcpgw serve", async (t) => {
  const cwd = project(t, {
    "mcpgw.config.yaml": "servers:\n  one: { runtime: { type: local-process, command: node } }\n",
  });
  const child = start(t, GATEWAY_HTTP, ["--listen-addr", "127.0.0.1:0"], { cwd });
  await child.waitForStderr(/"msg":"Listening on http:\/\/127\.0\.0\.1:\d+"/);
  assert.match(child.stderr, /"msg":"Loaded 1 servers?"/);
  child.process.kill("SIGTERM");
  const finished = await child.exited;
  assert.equal(finished.code, 0);
  assert.equal(finished.stdout, "");
});

test("serve on a broken config exits 1 with the problems, before listening", async (t) => {
  const cwd = project(t, { "mcpgw.config.yaml": "servers:\n  - id: x\n" });
  const result = await run(CLI, ["serve", "--listen-addr", "127.0.0.1:0"], { cwd });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "mcpgw.config.yaml:2:5 servers[0]: Server 'x' missing required field: runtime\n");
});

test("gateway-stdio on a broken config exits 1 and writes nothing on stdout", async (t) => {
  const cwd = project(t, { "mcpgw.config.yaml": "servers:\n  - id: x\n" });
  const result = await run(GATEWAY_STDIO, [], { cwd });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "mcpgw.config.yaml:2:5 servers[0]: Server 'x' missing required field: runtime\n");
});

test("a non-loopback --listen-addr with no API key refuses to start with a clear message, as validate does", async (t) => {
  const cwd = project(t);
  const expected =
    "listen_addr: listen_addr 0.0.0.0:0 is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1\n";
  const result = await runExpectingRefusal(t, CLI, ["--listen-addr", "0.0.0.0:0"], { cwd });
  assert.deepEqual([result.code, result.stdout], [1, ""]);
  // After the info line that no config file was found.
  assert.ok(result.stderr.endsWith(`}\n${expected}`), result.stderr);
  // One check: what serve refuses, validate reports (and serve --validate).
  const keyless = project(t, { "mcpgw.config.yaml": 'listen_addr: "0.0.0.0:4444"\n' });
  for (const args of [["validate"], ["serve", "--validate"]]) {
    const validated = await run(CLI, args, { cwd: keyless });
    assert.equal(validated.code, 1, args.join(" "));
    assert.equal(
      validated.stderr,
      "mcpgw.config.yaml:1:1 listen_addr: listen_addr 0.0.0.0:4444 is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1\n1 problem in mcpgw.config.yaml\n",
    );
  }
  const keyed = project(t, { "mcpgw.config.yaml": 'listen_addr: "0.0.0.0:4444"\napi_key: "${GW_KEY}"\n' });
  const valid = await run(CLI, ["validate"], { cwd: keyed, env: cleanEnv({ GW_KEY: "a-key-long-enough-0123" }) });
  assert.equal(valid.code, 0, valid.stderr);
});

/**
 * Log level precedence, observed on a start that fails by itself (its port is taken):
 * "Starting Open MCP Gateway" is an info line, the failure an error line.
 */
test("log level: --log-level beats LOG_LEVEL beats RUST_LOG beats log_level in the file", async (t) => {
  const taken = createServer().listen(0, "127.0.0.1");
  await once(taken, "listening");
  t.after(() => taken.close());
  const busy = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
  const quietFile = project(t, { "mcpgw.config.yaml": "log_level: error\n" });
  const plain = project(t);
  const cases: Array<{ name: string; cwd: string; args?: string[]; env?: Record<string, string>; info: boolean }> = [
    { name: "default is info", cwd: plain, info: true },
    { name: "log_level: error in the file", cwd: quietFile, info: false },
    { name: "LOG_LEVEL=info beats the file", cwd: quietFile, env: { LOG_LEVEL: "info" }, info: true },
    {
      name: "--log-level info beats LOG_LEVEL=warn",
      cwd: plain,
      args: ["--log-level", "info"],
      env: { LOG_LEVEL: "warn" },
      info: true,
    },
    {
      name: "RUST_LOG module filters: the most verbose wins",
      cwd: quietFile,
      env: { RUST_LOG: "gateway_core=info,gateway_http=warn" },
      info: true,
    },
    { name: "LOG_LEVEL beats RUST_LOG", cwd: plain, env: { LOG_LEVEL: "error", RUST_LOG: "debug" }, info: false },
    { name: "RUST_LOG-style names: WARNING", cwd: plain, env: { RUST_LOG: "WARNING" }, info: false },
  ];
  const results = await Promise.all(
    cases.map((c) =>
      runExpectingRefusal(t, CLI, ["--listen-addr", busy, ...(c.args ?? [])], {
        cwd: c.cwd,
        env: cleanEnv(c.env),
      }),
    ),
  );
  results.forEach((result, index) => {
    const c = cases[index]!;
    assert.equal(result.code, 1, c.name);
    assert.equal(result.stdout, "", c.name);
    const lines = logLines(result.stderr);
    assert.equal(
      lines.some((line) => line.msg === "Starting Open MCP Gateway"),
      c.info,
      `${c.name}:\n${result.stderr}`,
    );
    assert.ok(
      lines.some((line) => line.level === "error" && /another process uses it/.test(line.msg)),
      c.name,
    );
  });
});

test("a large --json answer arrives whole through a pipe (the process waits for stdout before exiting)", async (t) => {
  const servers = Array.from(
    { length: 1500 },
    (_, i) =>
      `  s${i}: { description: "${"padding ".repeat(8)}", runtime: { type: local-process, command: node, args: ["server-${i}.js"] } }`,
  );
  const cwd = project(t, { "mcpgw.config.yaml": `servers:\n${servers.join("\n")}\n` });
  const result = await run(CLI, ["servers", "--json"], { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.length > 150 * 1024, String(result.stdout.length));
  assert.equal((JSON.parse(result.stdout) as unknown[]).length, 1500);
});

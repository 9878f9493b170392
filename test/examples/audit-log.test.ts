// The worked example of docs/writing-plugins.md, examples/mcpgw-plugin-audit-log: built with its own
// tsconfig (as `npm run build` there does), loaded by the gateway as a file plugin, and checked on
// every frontend through its audit file and its GET /audit route.
import "reflect-metadata";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { httpFrontendTokens } from "../../plugins/http-frontend/index.js";
import { CLI, repoRoot, tempDir, writeFiles } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";
import { request } from "../helpers/http.js";
import { connectClient, nodeServer, RELAY_FIXTURE, suiteScope, type TestContext } from "../http/support.js";

const run = promisify(execFile);

export const EXAMPLE_DIR = path.join(repoRoot, "examples", "mcpgw-plugin-audit-log");

const OPS_KEY = "ops-key-0123456789abcdef";
const AGENT_KEY = "agent-key-0123456789abcdef";
const WRONG_KEY = "wrong-key-0123456789abcdef";
/** A tool argument: arguments never go into the audit log. */
const CANARY = "argument-canary-7f3a";

const suite = suiteScope();
after(() => suite.cleanup());

/**
 * The example compiled by its own tsconfig into a folder of its own, next to a node_modules that
 * links this repository as `open-mcp-gateway` and its zod (what an app that installed the gateway has), so the
 * file plugin's `import "open-mcp-gateway"` resolves, and the example's own dist/ is left alone.
 */
let pluginEntry: string;
before(async () => {
  const root = tempDir(suite, "mcpgw-audit-example-");
  const packageDir = path.join(root, "mcpgw-plugin-audit-log");
  mkdirSync(path.join(root, "node_modules"), { recursive: true });
  symlinkSync(repoRoot, path.join(root, "node_modules", "open-mcp-gateway"), "dir");
  // The gateway's zod, hoisted beside it as npm installs it: the example's peer dependency.
  symlinkSync(path.join(repoRoot, "node_modules", "zod"), path.join(root, "node_modules", "zod"), "dir");
  mkdirSync(packageDir);
  copyFileSync(path.join(EXAMPLE_DIR, "package.json"), path.join(packageDir, "package.json"));
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  await run(process.execPath, [
    tsc,
    "-p",
    path.join(EXAMPLE_DIR, "tsconfig.json"),
    "--outDir",
    path.join(packageDir, "dist"),
  ]);
  pluginEntry = path.join(packageDir, "dist", "index.js");
  assert.ok(existsSync(pluginEntry), "the example compiled");
});

type Entry = Record<string, any>;

/** This process's file descriptors open on `file` (Linux /proc). */
function openFds(file: string): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (the one readdirSync used)
    }
  });
}

function readEntries(file: string): Entry[] {
  const text = readFileSync(file, "utf8");
  assert.ok(text.endsWith("\n"), "every line ends with a newline");
  return text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Entry);
}

/** An entry without what differs from run to run (checked separately). */
function stable(entry: Entry): Entry {
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Number.isInteger(entry.duration_ms) && entry.duration_ms >= 0, `duration_ms ${entry.duration_ms}`);
  const { time: _time, duration_ms: _duration, ...rest } = entry;
  return rest;
}

async function startGateway(
  t: TestContext,
  config: Record<string, unknown>,
  env: Record<string, string>,
): Promise<{ base: string; port: number; stop: () => Promise<void> }> {
  const text = JSON.stringify(
    { listen_addr: "127.0.0.1:0", state_dir: tempDir(t, "mcpgw-state-"), health_check_interval_seconds: 0, ...config },
    null,
    2,
  );
  const loaded = await loadTestGateway(t, text, { env });
  assert.deepEqual(errorsOf(loaded), [], "the test config is valid");
  const kernel = loaded.kernel!;
  await kernel.start();
  const port = kernel.container.resolve(httpFrontendTokens.frontend).address!.port;
  return { base: `http://127.0.0.1:${port}`, port, stop: () => kernel.stop() };
}

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("HTTP frontends: one line per tools/call on /mcp, /mcp/:id, /sse and /rpc, refused calls included; GET /audit for admins only", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "logs", "nested", "audit.jsonl");
  const gateway = await startGateway(
    t,
    {
      api_keys: [
        { name: "ops", key: "${OPS_KEY}", scopes: ["*"] },
        { name: "agent", key: "${AGENT_KEY}", scopes: ["mcp"] },
      ],
      servers: [
        nodeServer("relay", RELAY_FIXTURE, [], { tools: { deny: ["slow"], override: { echo: { name: "say" } } } }),
      ],
      plugins: { [pluginEntry]: { file } },
    },
    { OPS_KEY, AGENT_KEY },
  );
  assert.ok(existsSync(file), "the file (and its folders) exist once the gateway started");
  assert.equal(openFds(file).length, 1, "opened once, in beforeStart");
  const agent = { "x-api-key": AGENT_KEY };

  const aggregated = await connectClient(t, `${gateway.base}/mcp`, { headers: agent });
  assert.equal(text(await aggregated.callTool({ name: "relay__say", arguments: { text: CANARY } })), `echo: ${CANARY}`);
  const single = await connectClient(t, `${gateway.base}/mcp/relay`, { headers: agent });
  assert.equal(text(await single.callTool({ name: "tool_3", arguments: { text: CANARY } })), `tool_3: ${CANARY}`);
  const sse = await connectClient(t, `${gateway.base}/sse`, { headers: agent });
  assert.equal(text(await sse.callTool({ name: "relay__say", arguments: { text: CANARY } })), `echo: ${CANARY}`);
  const rpc = await request(gateway.port, {
    method: "POST",
    path: "/rpc",
    headers: { ...agent, "content-type": "application/json", "x-server-id": "relay" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "say", arguments: { text: CANARY } },
    }),
  });
  assert.equal(rpc.status, 200);
  assert.equal(text(rpc.json().result), `echo: ${CANARY}`);
  // Refused by a tap (tool-filter's deny, in the shape stage), unknown to the gateway, and refused by authentication.
  await assert.rejects(single.callTool({ name: "slow", arguments: {} }), /tools\.deny/);
  await assert.rejects(aggregated.callTool({ name: `relay__${OPS_KEY}`, arguments: {} }), /Unknown tool/);
  const refused = await request(gateway.port, {
    method: "POST",
    path: "/mcp",
    headers: {
      "x-api-key": WRONG_KEY,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "relay__say", arguments: { text: CANARY } },
    }),
  });
  assert.equal(refused.status, 403);
  // Other methods are not audited.
  await aggregated.listTools();

  const audit = await request(gateway.port, { path: "/audit", headers: { authorization: `Bearer ${OPS_KEY}` } });
  assert.equal(audit.status, 200);
  assert.match(String(audit.headers["content-type"]), /application\/json/);
  const mcpOnly = await request(gateway.port, { path: "/audit", headers: agent });
  assert.equal(mcpOnly.status, 403);
  const anonymous = await request(gateway.port, { path: "/audit" });
  assert.equal(anonymous.status, 401);

  // Shutdown writes out what is queued and closes the file.
  await gateway.stop();
  assert.deepEqual(openFds(file), [], "the audit file is closed after shutdown");
  const entries = readEntries(file);
  const call = { principal: "agent", server: "relay", outcome: "ok" };
  assert.deepEqual(entries.map(stable), [
    { ...call, transport: "streamable-http", tool: "relay__say", tool_original: "echo" },
    { ...call, transport: "streamable-http", tool: "tool_3" },
    { ...call, transport: "sse", tool: "relay__say", tool_original: "echo" },
    { ...call, transport: "pass-through", tool: "say", tool_original: "echo" },
    {
      principal: "agent",
      transport: "streamable-http",
      server: "relay",
      tool: "slow",
      outcome: "error",
      error: { code: -32602, message: "Tool 'slow' of server 'relay' is not available: tools.deny" },
      stage: "shape",
    },
    {
      principal: "agent",
      transport: "streamable-http",
      server: null,
      tool: "relay__[redacted]",
      outcome: "error",
      error: { code: -32602, message: "Unknown tool: relay__[redacted]" },
      stage: "dispatch",
    },
    {
      principal: "unauthenticated",
      transport: "streamable-http",
      server: null,
      tool: "relay__say",
      outcome: "error",
      error: { code: -32600, message: "Invalid API key" },
      stage: "authenticate",
    },
  ]);
  assert.deepEqual(audit.json(), entries, "GET /audit: the same entries, newest last");
  const written = readFileSync(file, "utf8");
  for (const secret of [OPS_KEY, AGENT_KEY, WRONG_KEY, CANARY])
    assert.ok(!written.includes(secret), `${secret} is not in the audit file`);
});

test("GET /audit keeps the last 100 entries, newest last", async (t) => {
  const file = path.join(tempDir(t), "audit.jsonl");
  const gateway = await startGateway(
    t,
    { servers: [nodeServer("relay", RELAY_FIXTURE)], plugins: { [pluginEntry]: { file } } },
    {},
  );
  const client = await connectClient(t, `${gateway.base}/mcp/relay`);
  for (let i = 1; i <= 105; i++)
    await client.callTool({ name: i % 2 ? "echo" : "tool_1", arguments: { text: String(i) } });
  const audit = await request(gateway.port, { path: "/audit" });
  assert.equal(audit.status, 200);
  const recent = audit.json() as Entry[];
  await gateway.stop();
  const entries = readEntries(file);
  assert.equal(entries.length, 105);
  assert.equal(recent.length, 100);
  assert.deepEqual(recent, entries.slice(5));
  assert.ok(recent.every((entry) => entry.principal === "anonymous" && entry.outcome === "ok"));
});

test("stdio: a call through `mcpgw stdio` is written, the file relative to the process's working directory", async (t) => {
  const root = tempDir(t);
  const work = path.join(root, "work");
  mkdirSync(work);
  writeFiles(root, {
    "conf/mcpgw.config.yaml": JSON.stringify({
      state_dir: path.join(root, "state"),
      health_check_interval_seconds: 0,
      servers: [nodeServer("relay", RELAY_FIXTURE)],
      plugins: { [pluginEntry]: { file: "audit/calls.jsonl" } },
    }),
  });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "stdio", "--config", path.join(root, "conf", "mcpgw.config.yaml")],
    cwd: work,
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  });
  let stderr = "";
  transport.stderr!.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "audit-test", version: "1.0.0" });
  await client.connect(transport);
  t.after(() => client.close());
  assert.equal(text(await client.callTool({ name: "relay__echo", arguments: { text: CANARY } })), `echo: ${CANARY}`);
  // Closing stdin shuts the gateway down; the line is in the file once it exited.
  await client.close();
  const file = path.join(work, "audit", "calls.jsonl");
  assert.ok(existsSync(file), `the audit file is under the working directory\n${stderr}`);
  assert.ok(!existsSync(path.join(root, "conf", "audit")), "not under the config's folder");
  assert.deepEqual(readEntries(file).map(stable), [
    {
      principal: "stdio",
      transport: "stdio",
      server: "relay",
      tool: "relay__echo",
      tool_original: "echo",
      outcome: "ok",
    },
  ]);
});

test("validate-like loads open no file; bad options point at the key", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "never", "audit.jsonl");
  const loaded = await loadTestGateway(t, JSON.stringify({ plugins: { [pluginEntry]: { file } } }), {
    mode: "inspect",
  });
  assert.deepEqual(errorsOf(loaded), []);
  assert.equal(existsSync(path.dirname(file)), false, "nothing is created in apply");

  const missing = await loadTestGateway(t, JSON.stringify({ plugins: { [pluginEntry]: {} } }), { mode: "inspect" });
  assert.deepEqual(
    missing.issues.map((issue) => issue.path.join(".")),
    [`plugins.${pluginEntry}.file`],
  );
  const typo = await loadTestGateway(t, JSON.stringify({ plugins: { [pluginEntry]: { fil: "x.jsonl" } } }), {
    mode: "inspect",
  });
  assert.ok(
    typo.issues.some((issue) => /Unknown key 'fil' \(did you mean 'file'\?\)/.test(issue.message)),
    JSON.stringify(typo.issues),
  );
});

test("a file that cannot be opened fails the start, naming the plugin", async (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { "not-a-folder": "" });
  const loaded = await loadTestGateway(
    t,
    JSON.stringify({
      listen_addr: "127.0.0.1:0",
      state_dir: path.join(dir, "state"),
      plugins: { [pluginEntry]: { file: path.join(dir, "not-a-folder", "audit.jsonl") } },
    }),
  );
  assert.deepEqual(errorsOf(loaded), []);
  await assert.rejects(loaded.kernel!.start(), (error: Error & { code?: string }) => {
    assert.equal(error.code, "MCPGW_ERR_PLUGIN_HOOK");
    assert.match(error.message, /^Plugin 'audit-log' failed in hook 'beforeStart': .*not-a-folder/);
    return true;
  });
});

test("the package: meta matches package.json; an exports map, files and the mcpgw-plugin keyword", async () => {
  const manifest = JSON.parse(readFileSync(path.join(EXAMPLE_DIR, "package.json"), "utf8"));
  const module = (await import(pluginEntry)) as {
    default: (options: unknown) => { name: string; meta: unknown };
    meta: unknown;
  };
  const plugin = module.default({ file: "unused.jsonl" });
  assert.equal(plugin.name, "audit-log");
  assert.deepEqual(plugin.meta, { name: manifest.name, version: manifest.version });
  assert.equal(manifest.type, "module");
  assert.ok(manifest.keywords.includes("mcpgw-plugin"));
  assert.deepEqual(manifest.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" });
  assert.ok(manifest.peerDependencies["open-mcp-gateway"]);
  assert.equal(manifest.dependencies, undefined, "peer dependencies only");
});

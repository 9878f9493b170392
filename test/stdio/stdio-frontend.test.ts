import "reflect-metadata";
import assert from "node:assert/strict";
import { once } from "node:events";
import path from "node:path";
import { test } from "node:test";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ResultSchema,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { EVERYTHING_BIN, MEMORY_BIN, RELAY_FIXTURE, startEverything } from "../http/support.js";
import { tempDir } from "../helpers/files.js";
import { childPids, commandLine, connectStdio, isAlive, spawnStdio, writeConfig } from "./support.js";

const node = (id: string, args: string[], extra: Record<string, unknown> = {}) => ({
  id,
  runtime: { type: "local-process", command: process.execPath, args },
  ...extra,
});

function aggregateConfig(t: Parameters<typeof writeConfig>[0], extra: Array<Record<string, unknown>> = []): string {
  const dir = tempDir(t);
  return writeConfig(t, {
    servers: [
      node("everything", [EVERYTHING_BIN, "stdio"]),
      node("memory", [MEMORY_BIN], { env: { MEMORY_FILE_PATH: path.join(dir, "memory.json") } }),
      node("relay", [RELAY_FIXTURE], { env: { FIXTURE_TOOLS: "3" } }),
      ...extra,
    ],
  });
}

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

test("mcpgw stdio aggregates every server with the same names as /mcp, and relays calls, progress and server→client requests", async (t) => {
  const remote = await startEverything(t, "streamableHttp");
  const config = aggregateConfig(t, [
    { id: "remote", runtime: { type: "remote-sse", url: remote.url, transport: "streamable-http" } },
  ]);
  const asked: string[] = [];
  const { client, stderr } = await connectStdio(t, ["--config", config], {
    capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
    setup(c) {
      c.setRequestHandler(CreateMessageRequestSchema, async () => {
        asked.push("sampling");
        return { role: "assistant", content: { type: "text", text: "from the stdio client" }, model: "test-model" };
      });
      c.setRequestHandler(ElicitRequestSchema, async () => {
        asked.push("elicitation");
        return { action: "accept", content: { colour: "teal" } };
      });
      c.setRequestHandler(ListRootsRequestSchema, async () => {
        asked.push("roots");
        return { roots: [{ uri: "file:///stdio-root", name: "root" }] };
      });
    },
  });
  assert.deepEqual(client.getServerVersion()?.name, "mcpgw");

  const listed = await client.request({ method: "tools/list" }, ResultSchema);
  const tools = (listed.tools as Array<Record<string, unknown>>).map((tool) => tool.name as string);
  for (const name of [
    "everything__echo",
    "memory__read_graph",
    "relay__echo",
    "relay__tool_3",
    "relay__ask",
    "remote__echo",
  ])
    assert.ok(tools.includes(name), `${name} is listed`);
  assert.equal(
    tools.filter((name) => name.startsWith("relay__")).length,
    3 + 7,
    "every page of the relay fixture was walked",
  );
  const echo = (listed.tools as Array<Record<string, unknown>>).find((tool) => tool.name === "relay__echo")!;
  assert.deepEqual(echo.vendorExtra, { vendor: "acme", tier: 3, flags: ["beta"] }, "an unknown tool field survives");

  assert.equal(text(await client.callTool({ name: "everything__echo", arguments: { message: "hi" } })), "Echo: hi");
  assert.equal(
    text(await client.callTool({ name: "remote__echo", arguments: { message: "over Streamable HTTP" } })),
    "Echo: over Streamable HTTP",
  );
  assert.match(text(await client.callTool({ name: "memory__read_graph", arguments: {} })), /"entities"/);

  const progress: Progress[] = [];
  await client.callTool(
    { name: "everything__trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
    undefined,
    { onprogress: (p) => progress.push(p) },
  );
  assert.deepEqual(
    progress.map((p) => p.progress),
    [1, 2, 3, 4],
    "every progress notification arrives, the last one too",
  );

  const answers = JSON.parse(text(await client.callTool({ name: "relay__ask", arguments: {} })));
  // server-everything also asks for roots on its own right after it starts, so roots may come twice.
  assert.deepEqual([...new Set(asked)].sort(), ["elicitation", "roots", "sampling"]);
  assert.equal(asked.filter((kind) => kind === "sampling").length, 1);
  assert.match(JSON.stringify(answers), /from the stdio client/);
  assert.match(JSON.stringify(answers), /teal/);
  assert.match(JSON.stringify(answers), /file:\/\/\/stdio-root/);
  assert.equal(stderr().includes('"level":"info"'), false, "stdio mode logs at warn by default");
});

test("a cancelled call reaches the backend as notifications/cancelled", async (t) => {
  const { client } = await connectStdio(t, ["--config", writeConfig(t, { servers: [node("relay", [RELAY_FIXTURE])] })]);
  const controller = new AbortController();
  const call = client.callTool({ name: "relay__slow", arguments: { steps: 200, intervalMs: 50 } }, undefined, {
    signal: controller.signal,
    onprogress: () => controller.abort("the user gave up"),
  });
  await assert.rejects(call);
  const deadline = Date.now() + 10_000;
  let records = "";
  while (Date.now() < deadline && !/"type":"cancelled"[^}]*"tool":"slow"/.test(records))
    records = text(await client.callTool({ name: "relay__records", arguments: {} }));
  assert.match(records, /"type":"cancelled"[^}]*"tool":"slow"/);
});

test("--server serves one server with names unchanged", async (t) => {
  const config = aggregateConfig(t);
  const { client } = await connectStdio(t, ["--config", config, "--server", "relay"]);
  assert.equal(client.getServerVersion()?.name, "mcpgw-relay-fixture", "the backend's own identity");
  const tools = await client.request({ method: "tools/list" }, ResultSchema);
  const names = (tools.tools as Array<{ name: string }>).map((tool) => tool.name);
  assert.ok(names.includes("echo") && names.includes("ask") && !names.some((name) => name.includes("__")));
  assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "plain" } })), "echo: plain");
  assert.deepEqual(await client.request({ method: "acme/ping" } as never, ResultSchema), { pong: 42 });
});

test("with http-frontend's in_stdio_mode, mcpgw stdio also serves HTTP from the same gateway", async (t) => {
  const config = writeConfig(t, {
    listen_addr: "127.0.0.1:0",
    log_level: "info",
    plugins: { "http-frontend": { in_stdio_mode: true } },
    servers: [node("relay", [RELAY_FIXTURE], { env: { FIXTURE_TOOLS: "3" } })],
  });
  const { client, transport, stderr } = await connectStdio(t, ["--config", config]);
  const listening = /Listening on http:\/\/127\.0\.0\.1:(\d+)/;
  const port =
    listening.exec(stderr())?.[1] ??
    (await new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no "Listening on" line within 10 s; stderr:\n${stderr()}`)),
        10_000,
      );
      const onData = () => {
        const match = listening.exec(stderr());
        if (!match) return;
        clearTimeout(deadline);
        transport.stderr!.off("data", onData);
        resolve(match[1]!);
      };
      transport.stderr!.on("data", onData);
    }));
  assert.equal(
    text(await client.callTool({ name: "relay__echo", arguments: { text: "over stdio" } })),
    "echo: over stdio",
  );
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  assert.deepEqual(await health.json(), { status: "ok" });
  const servers = (await (await fetch(`http://127.0.0.1:${port}/servers`)).json()) as Array<{
    id: string;
    status: string;
  }>;
  // The HTTP side sees the backend the stdio side started: one gateway.
  assert.deepEqual(
    servers.map((server) => [server.id, server.status]),
    [["relay", "running"]],
  );
});

test("the end of stdin stops everything: backends exit and the gateway exits 0", async (t) => {
  const child = spawnStdio(t, ["--config", aggregateConfig(t)]);
  const lines = async (count: number) => {
    while (child.stdoutText().split("\n").filter(Boolean).length < count) await once(child.stdout, "data");
  };
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } })}\n`,
  );
  await lines(1);
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`);
  await lines(2);
  const children = childPids(child.pid!);
  const backends = children.filter((pid) => /server-everything|server-memory|relay-server/.test(commandLine(pid)));
  assert.equal(backends.length, 3, "listing started the three servers");
  child.stdin.end();
  assert.equal(await child.exited, 0);
  assert.deepEqual(backends.filter(isAlive), [], "the backends were stopped before the gateway exited");
  // The orphan guard (not our child, so no exit event) leaves once it sees the gateway's pipe close.
  const deadline = Date.now() + 5_000;
  while (children.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(children.filter(isAlive), [], "no child of the gateway outlives it");
});

test("bad input on stdin gets the original's errors and never anything but MCP on stdout", async (t) => {
  const child = spawnStdio(t, ["--config", writeConfig(t, { servers: [node("relay", [RELAY_FIXTURE])] })]);
  child.stdin.write("this is not json\n");
  child.stdin.write('{"jsonrpc":"2.0","id":5}\n');
  child.stdin.write('[{"jsonrpc":"2.0","id":6,"method":"ping"}]\n');
  child.stdin.write(
    `{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}\n`,
  );
  const huge = `{"jsonrpc":"2.0","id":8,"method":"ping","params":{"pad":"${"x".repeat(10 * 1024 * 1024)}"}}\n`;
  child.stdin.write(huge);
  child.stdin.write('{"jsonrpc":"2.0","id":9,"method":"ping"}\n');
  child.stdin.write('{"jsonrpc":"2.0","id":10,"meth');
  child.stdin.end();
  assert.equal(await child.exited, 0);
  const messages = child
    .stdoutText()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
  assert.deepEqual(messages[0], {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: "Parse error: invalid JSON" },
  });
  assert.equal(messages[1]!.error.code, -32600);
  assert.equal(messages[1]!.id, 5);
  assert.equal(messages[2]!.error.code, -32600, "a batch is refused");
  assert.equal(messages[3]!.id, 7);
  assert.equal(messages[3]!.result.serverInfo.name, "mcpgw");
  assert.deepEqual(messages[4], {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Message too large: a line may hold at most 8388608 bytes" },
  });
  assert.deepEqual(messages[5], { jsonrpc: "2.0", id: 9, result: {} }, "the gateway keeps serving after a 10 MB line");
  assert.equal(messages.length, 6, "the half line at EOF is dropped, nothing else is written");
  for (const message of messages) assert.equal(message.jsonrpc, "2.0");
});

test("--server with an unknown id answers -32001 to every request", async (t) => {
  const child = spawnStdio(t, [
    "--config",
    writeConfig(t, { servers: [node("relay", [RELAY_FIXTURE])] }),
    "--server",
    "nope",
  ]);
  child.stdin.end(
    `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } })}\n`,
  );
  assert.equal(await child.exited, 0);
  assert.deepEqual(JSON.parse(child.stdoutText()), {
    jsonrpc: "2.0",
    id: 1,
    error: { code: -32001, message: "Server 'nope' not found in catalog" },
  });
});

test("requests still in flight when stdin ends are answered before the gateway exits (printf | mcpgw stdio works)", async (t) => {
  const child = spawnStdio(t, [
    "--config",
    writeConfig(t, { servers: [node("relay", [RELAY_FIXTURE])] }),
    "--server",
    "relay",
  ]);
  child.stdin.end(
    [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "pipe", version: "1" } },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      // The backend is not running yet: this call waits for its start, and the drain waits for the call.
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "last words" } } },
    ]
      .map((message) => JSON.stringify(message))
      .join("\n") + "\n",
  );
  assert.equal(await child.exited, 0);
  const messages = child
    .stdoutText()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
  assert.deepEqual(messages.find((message) => message.id === 2)?.result, {
    content: [{ type: "text", text: "echo: last words" }],
  });
});

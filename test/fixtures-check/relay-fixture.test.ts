// Proves the relay fixture on its own over stdio with the SDK client: every feature the gateway's relay
// tests will count on (paging, vendor fields, list_changed, logging, progress, cancellation, server->client
// requests, vendor methods, subscriptions, completion).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  ResultSchema,
  ToolListChangedNotificationSchema,
  type ClientRequest,
  type LoggingLevel,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { repoRoot, tempDir } from "../helpers/files.js";

const fixture = path.join(repoRoot, "dist", "test", "fixtures", "conformance", "relay-server.js");
const FIXED_TOOLS = ["echo", "add_tool", "log", "slow", "ask", "touch", "records"];

async function connect(
  t: TestContext,
  env: Record<string, string> = {},
  withClientCapabilities = false,
): Promise<Client> {
  const client = new Client(
    { name: "relay-fixture-check", version: "1.0.0" },
    withClientCapabilities
      ? { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } }
      : {},
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [fixture],
    env: { ...getDefaultEnvironment(), ...env },
    stderr: "pipe",
  });
  t.after(() => client.close());
  await client.connect(transport);
  return client;
}

/** Rejects after `ms` so that a missing notification fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Raw list request with the SDK's loose ResultSchema, so that unknown fields survive. */
async function walk(client: Client, method: "tools/list" | "prompts/list" | "resources/list", key: string) {
  const pages: Array<Array<Record<string, unknown>>> = [];
  let cursor: string | undefined;
  do {
    const request = { method, params: cursor === undefined ? {} : { cursor } } as ClientRequest;
    const result = (await client.request(request, ResultSchema)) as Record<string, unknown>;
    pages.push(result[key] as Array<Record<string, unknown>>);
    cursor = result.nextCursor as string | undefined;
    assert.ok(pages.length < 100, "nextCursor never ends");
  } while (cursor !== undefined);
  return { pages, items: pages.flat() };
}

async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  const first = (result.content as Array<{ type: string; text?: string }>)[0];
  assert.equal(first?.type, "text");
  return first.text!;
}

test("tools, prompts and resources are paginated in pages of 2 with real nextCursors", async (t) => {
  const client = await connect(t, { FIXTURE_TOOLS: "9" });
  const tools = await walk(client, "tools/list", "tools");
  const names = tools.items.map((tool) => tool.name as string);
  assert.equal(names.length, 9 + FIXED_TOOLS.length);
  assert.equal(new Set(names).size, names.length, "duplicate tools across pages");
  assert.equal(tools.pages.length, Math.ceil(names.length / 2));
  assert.ok(tools.pages.every((items) => items.length >= 1 && items.length <= 2));
  for (let i = 1; i <= 9; i++) assert.ok(names.includes(`tool_${i}`), `tool_${i} missing`);
  for (const name of FIXED_TOOLS) assert.ok(names.includes(name), `${name} missing`);

  const prompts = await walk(client, "prompts/list", "prompts");
  assert.deepEqual(
    prompts.items.map((prompt) => prompt.name),
    ["greet", "summarize", "plain"],
  );
  assert.equal(prompts.pages.length, 2);
  const resources = await walk(client, "resources/list", "resources");
  assert.deepEqual(
    resources.items.map((resource) => resource.uri),
    ["relay://static/1", "relay://static/2", "relay://static/3", "relay://watched"],
  );
  assert.equal(resources.pages.length, 2);

  // The SDK's own helpers walk the same pages.
  const first = await client.listTools();
  assert.equal(first.tools.length, 2);
  assert.equal(typeof first.nextCursor, "string");
  await assert.rejects(
    client.listTools({ cursor: "not-a-cursor" }),
    (error: unknown) => error instanceof McpError && error.code === ErrorCode.InvalidParams,
  );
  assert.equal(await callText(client, "tool_9", { text: "hi" }), "tool_9: hi");
});

test("FIXTURE_TOOLS defaults to 5 numbered tools; FIXTURE_PAGE_SIZE changes the page size", async (t) => {
  const client = await connect(t);
  const { items, pages } = await walk(client, "tools/list", "tools");
  assert.equal(items.length, 5 + FIXED_TOOLS.length);
  assert.equal(pages.length, 6);
  assert.ok(!items.some((tool) => tool.name === "tool_6"));
  const onePage = await connect(t, { FIXTURE_PAGE_SIZE: "100" });
  const all = await walk(onePage, "tools/list", "tools");
  assert.equal(all.pages.length, 1);
  assert.equal(all.items.length, 5 + FIXED_TOOLS.length);
});

test("the echo tool keeps its unknown top-level field and _meta in the raw list result", async (t) => {
  const client = await connect(t);
  const { items } = await walk(client, "tools/list", "tools");
  const echo = items.find((tool) => tool.name === "echo");
  assert.ok(echo, "echo not listed");
  assert.deepEqual(echo.vendorExtra, { vendor: "acme", tier: 3, flags: ["beta"] });
  assert.deepEqual(echo._meta, { "acme.example/owner": "relay-fixture", "acme.example/cost": 0 });
});

test("add_tool sends notifications/tools/list_changed and the new tool is listed and callable", async (t) => {
  const client = await connect(t, { FIXTURE_TOOLS: "1" });
  const changed = new Promise<void>((resolve) =>
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
  );
  assert.match(await callText(client, "add_tool", { name: "brand_new" }), /added brand_new/);
  await within(changed, 5000, "tools/list_changed");
  const { items } = await walk(client, "tools/list", "tools");
  assert.equal(items.length, 1 + FIXED_TOOLS.length + 1);
  assert.ok(items.some((tool) => tool.name === "brand_new"));
  assert.equal(await callText(client, "brand_new", { text: "x" }), "brand_new: x");
});

test("log sends notifications/message at every level at or above logging/setLevel", async (t) => {
  const client = await connect(t);
  const received: LoggingLevel[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    assert.equal(notification.params.logger, "relay-fixture");
    received.push(notification.params.level);
    if (waiter && received.length >= waiter.count) waiter.resolve();
  });
  const logsReach = (count: number) =>
    within(
      new Promise<void>((resolve) => (received.length >= count ? resolve() : (waiter = { count, resolve }))),
      5000,
      `${count} log messages`,
    );

  await client.setLoggingLevel("warning");
  const filtered = JSON.parse(await callText(client, "log")) as { sent: LoggingLevel[] };
  assert.deepEqual(filtered.sent, ["warning", "error", "critical", "alert", "emergency"]);
  await logsReach(5);
  assert.deepEqual(received, filtered.sent);

  received.length = 0;
  await client.setLoggingLevel("debug");
  const all = JSON.parse(await callText(client, "log")) as { sent: LoggingLevel[] };
  assert.equal(all.sent.length, 8);
  await logsReach(8);
  assert.deepEqual(received, ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);
});

test("slow reports progress, and a cancellation reaches the server and is recorded", async (t) => {
  const recordFile = path.join(tempDir(t), "records.jsonl");
  const client = await connect(t, { FIXTURE_RECORD: recordFile });

  // Uncancelled: every step reports progress with the request's token.
  const progress: Progress[] = [];
  const done = await client.request(
    // Steps far enough apart that only the last one can share a read with the result on a loaded machine.
    { method: "tools/call", params: { name: "slow", arguments: { steps: 3, intervalMs: 100 } } },
    CallToolResultSchema,
    { onprogress: (value) => progress.push(value) },
  );
  assert.deepEqual(done.content, [{ type: "text", text: "slow done after 3 steps" }]);
  // The last progress may be dispatched after the response (SDK race, typescript-sdk#2580): accept >= 2.
  assert.ok(progress.length >= 2, `only ${progress.length} progress notifications`);
  assert.deepEqual(progress[0], { progress: 1, total: 3, message: "step 1 of 3" });

  // Cancelled after the first progress notification.
  const controller = new AbortController();
  let sawProgress = false;
  const call = client.request(
    { method: "tools/call", params: { name: "slow", arguments: { steps: 200, intervalMs: 50 } } },
    CallToolResultSchema,
    {
      signal: controller.signal,
      onprogress: () => {
        sawProgress = true;
        controller.abort("test cancels");
      },
    },
  );
  await assert.rejects(within(call, 10_000, "the cancelled call to settle"));
  assert.ok(sawProgress);
  // notifications/cancelled was written before this request on the same pipe, so the server has seen it.
  const records = JSON.parse(await callText(client, "records")) as Array<Record<string, unknown>>;
  const wire = records.filter((entry) => entry.method === "notifications/cancelled");
  assert.equal(wire.length, 1, JSON.stringify(records));
  const { requestId, reason } = wire[0]!.params as { requestId: unknown; reason: unknown };
  assert.match(String(reason), /test cancels/);
  const cancelled = records.filter((entry) => entry.type === "cancelled");
  assert.equal(cancelled.length, 1, JSON.stringify(records));
  assert.equal(cancelled[0]!.tool, "slow");
  assert.equal(
    cancelled[0]!.requestId,
    requestId,
    "the handler saw the cancellation of the request the notification named",
  );
  assert.match(String(cancelled[0]!.reason), /test cancels/);
  const lines = readFileSync(recordFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((entry) => entry.type),
    ["notification", "cancelled"],
    readFileSync(recordFile, "utf8"),
  );
});

test("ask sends sampling/createMessage, elicitation/create and roots/list to the client and returns the answers", async (t) => {
  const client = await connect(t, {}, true);
  const seen: string[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    seen.push(request.method);
    assert.equal(request.params.maxTokens, 20);
    return {
      role: "assistant",
      content: { type: "text", text: "hi from the test client" },
      model: "test-model",
      stopReason: "endTurn",
    };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    seen.push(request.method);
    assert.match(request.params.message, /colour/);
    return { action: "accept", content: { colour: "teal" } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async (request) => {
    seen.push(request.method);
    return { roots: [{ uri: "file:///tmp/relay-root", name: "relay root" }] };
  });
  const answers = JSON.parse(await callText(client, "ask")) as Record<string, Record<string, unknown>>;
  assert.deepEqual(seen, ["sampling/createMessage", "elicitation/create", "roots/list"]);
  assert.equal((answers.sampling!.content as { text: string }).text, "hi from the test client");
  assert.equal(answers.sampling!.model, "test-model");
  assert.deepEqual(answers.elicitation, { action: "accept", content: { colour: "teal" } });
  assert.deepEqual(answers.roots, { roots: [{ uri: "file:///tmp/relay-root", name: "relay root" }] });
});

test("ask without client capabilities says so instead of sending requests", async (t) => {
  const client = await connect(t);
  const answers = JSON.parse(await callText(client, "ask")) as Record<string, unknown>;
  assert.deepEqual(answers, {
    sampling: "client has no sampling capability",
    elicitation: "client has no elicitation capability",
    roots: "client has no roots capability",
  });
});

test("vendor method acme/ping answers {pong: 42}, vendor notifications and roots/list_changed are recorded", async (t) => {
  const recordFile = path.join(tempDir(t), "records.jsonl");
  const client = await connect(t, { FIXTURE_RECORD: recordFile }, true);
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [] }));
  const pong = await client.request({ method: "acme/ping", params: {} } as unknown as ClientRequest, ResultSchema);
  assert.deepEqual(pong, { pong: 42 });
  await assert.rejects(
    client.request({ method: "acme/nope", params: {} } as unknown as ClientRequest, ResultSchema),
    (error: unknown) => error instanceof McpError && error.code === ErrorCode.MethodNotFound,
  );
  await client.notification({ method: "acme/note", params: { hello: "world" } } as never);
  await client.sendRootsListChanged();
  const records = JSON.parse(await callText(client, "records")) as Array<Record<string, unknown>>;
  const methods = records.filter((entry) => entry.type === "notification").map((entry) => entry.method);
  assert.deepEqual(methods, ["acme/note", "notifications/roots/list_changed"]);
  assert.deepEqual(records[0]!.params, { hello: "world" });
  assert.match(readFileSync(recordFile, "utf8"), /"method":"acme\/note"/);
});

test("resources/subscribe leads to notifications/resources/updated; unsubscribe stops them", async (t) => {
  const client = await connect(t);
  const updates: string[] = [];
  let onUpdate: (() => void) | undefined;
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updates.push(notification.params.uri);
    onUpdate?.();
  });
  assert.deepEqual(await client.subscribeResource({ uri: "relay://watched" }), {});
  const updated = new Promise<void>((resolve) => (onUpdate = resolve));
  const touched = JSON.parse(await callText(client, "touch", { uri: "relay://watched" })) as {
    notified: boolean;
    version: number;
  };
  assert.equal(touched.notified, true);
  await within(updated, 5000, "resources/updated");
  assert.deepEqual(updates, ["relay://watched"]);
  const read = await client.readResource({ uri: "relay://watched" });
  assert.deepEqual(read.contents, [
    { uri: "relay://watched", mimeType: "text/plain", text: `watched version ${touched.version}` },
  ]);

  assert.deepEqual(await client.unsubscribeResource({ uri: "relay://watched" }), {});
  const again = JSON.parse(await callText(client, "touch", { uri: "relay://watched" })) as { notified: boolean };
  assert.equal(again.notified, false);
  await client.ping(); // a round trip after the touch: any stray update would have arrived before this answer
  assert.deepEqual(updates, ["relay://watched"]);
});

test("completion/complete completes the greet prompt's name argument", async (t) => {
  const client = await connect(t);
  const result = await client.complete({
    ref: { type: "ref/prompt", name: "greet" },
    argument: { name: "name", value: "al" },
  });
  assert.deepEqual(result.completion.values, ["alice", "albert"]);
  const none = await client.complete({
    ref: { type: "ref/prompt", name: "plain" },
    argument: { name: "x", value: "" },
  });
  assert.deepEqual(none.completion.values, []);
  const prompt = await client.getPrompt({ name: "greet", arguments: { name: "alice" } });
  assert.deepEqual(prompt.messages, [{ role: "user", content: { type: "text", text: "Say hello to alice." } }]);
});

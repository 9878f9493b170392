// Integration: SDK clients against the aggregated /mcp and /sse (and /mcp/<id>), backed at once by
// server-everything over stdio, Streamable HTTP and SSE, server-memory, and the relay fixture.
import "reflect-metadata";
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ResultSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { tempDir } from "../helpers/files.js";
import { request } from "../helpers/http.js";
import {
  connectClient,
  EVERYTHING_BIN,
  FULL_CLIENT_CAPABILITIES,
  MEMORY_BIN,
  nodeServer,
  RELAY_FIXTURE,
  startEverything,
  standaloneStreamOpen,
  startHttpGateway,
  suiteScope,
  Tap,
  until,
  type TestGateway,
} from "./support.js";

const scope = suiteScope();
let gateway: TestGateway;
let recordFile: string;

before(async () => {
  const dir = tempDir(scope);
  recordFile = path.join(dir, "relay.jsonl");
  const [streamable, sse] = await Promise.all([
    startEverything(scope, "streamableHttp"),
    startEverything(scope, "sse"),
  ]);
  gateway = await startHttpGateway(scope, {
    servers: [
      nodeServer("ev", EVERYTHING_BIN, ["stdio"]),
      { id: "evh", runtime: { type: "remote-sse", url: streamable.url } },
      { id: "evs", runtime: { type: "remote-sse", url: sse.url } },
      nodeServer("mem", MEMORY_BIN, [], { env: { MEMORY_FILE_PATH: path.join(dir, "memory.jsonl") } }),
      nodeServer("relay", RELAY_FIXTURE, [], { env: { FIXTURE_RECORD: recordFile } }),
    ],
  });
});
after(() => scope.cleanup());

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;
const FRONTS = ["/mcp", "/sse"] as const;

/** A client answering sampling, elicitation and roots with its own marker. */
function answering(marker: string) {
  return (client: Client) => {
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: "test-model",
      role: "assistant",
      content: { type: "text", text: `sampled by ${marker}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { colour: `colour of ${marker}` },
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: `file:///roots/${marker}`, name: marker }],
    }));
  };
}

for (const front of FRONTS) {
  test(`${front}: every server's tools aggregated under <id>__<name>, paginated backends walked, one page`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const listed = await client.listTools();
    assert.equal(listed.nextCursor, undefined, "the gateway returns everything in one page");
    const names = listed.tools.map((tool) => tool.name);
    for (const prefix of ["ev", "evh", "evs"]) {
      for (const tool of ["echo", "get-sum", "trigger-sampling-request", "get-roots-list"])
        assert.ok(names.includes(`${prefix}__${tool}`), `${prefix}__${tool} listed`);
    }
    for (const tool of ["create_entities", "read_graph", "search_nodes"])
      assert.ok(names.includes(`mem__${tool}`), `mem__${tool}`);
    // The relay fixture pages by 2: 5 numbered + 7 fixed tools arrive only if every page was read.
    const relay = names.filter((name) => name.startsWith("relay__"));
    for (const tool of [
      "tool_1",
      "tool_2",
      "tool_3",
      "tool_4",
      "tool_5",
      "echo",
      "add_tool",
      "log",
      "slow",
      "ask",
      "touch",
      "records",
    ]) {
      assert.ok(relay.includes(`relay__${tool}`), `relay__${tool} listed`);
    }
    for (const name of names) assert.match(name, /^[A-Za-z0-9_-]{1,64}$/);
    assert.equal(new Set(names).size, names.length, "no duplicates");

    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    for (const prompt of ["relay__greet", "relay__summarize", "relay__plain", "ev__simple-prompt"])
      assert.ok(prompts.includes(prompt), prompt);
    const resources = (await client.listResources()).resources.map((resource) => resource.uri);
    for (const uri of ["relay://static/1", "relay://static/2", "relay://static/3", "relay://watched"])
      assert.ok(resources.includes(uri), uri);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    assert.ok(templates.includes("relay://item/{id}"));
    assert.equal(
      ((await client.readResource({ uri: "relay://item/42" })).contents[0] as { text: string }).text,
      JSON.stringify({ id: "42" }),
    );
  });

  test(`${front}: a vendor field and _meta on a tool survive (loose ResultSchema)`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const raw = (await client.request({ method: "tools/list", params: {} }, ResultSchema)) as {
      tools: Array<Record<string, unknown>>;
    };
    const echo = raw.tools.find((tool) => tool.name === "relay__echo")!;
    assert.deepEqual(echo.vendorExtra, { vendor: "acme", tier: 3, flags: ["beta"] });
    assert.deepEqual(echo._meta, { "acme.example/owner": "relay-fixture", "acme.example/cost": 0 });
  });

  test(`${front}: calls reach each backend transport (stdio, Streamable HTTP, SSE) and server-memory`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    for (const prefix of ["ev", "evh", "evs"]) {
      assert.equal(
        text(await client.callTool({ name: `${prefix}__echo`, arguments: { message: `hi ${prefix}` } })),
        `Echo: hi ${prefix}`,
      );
      assert.match(text(await client.callTool({ name: `${prefix}__get-sum`, arguments: { a: 2, b: 3 } })), /\b5\b/);
    }
    const entity = `entity-${front.slice(1)}`;
    await client.callTool({
      name: "mem__create_entities",
      arguments: { entities: [{ name: entity, entityType: "test", observations: ["seen"] }] },
    });
    assert.match(text(await client.callTool({ name: "mem__read_graph", arguments: {} })), new RegExp(entity));
    assert.equal(text(await client.callTool({ name: "relay__tool_3", arguments: { text: "x" } })), "tool_3: x");
    const prompt = await client.getPrompt({ name: "relay__greet", arguments: { name: "Ada" } });
    assert.equal((prompt.messages[0]!.content as { text: string }).text, "Say hello to Ada.");
    const unknown = await client.callTool({ name: "nobody__nothing", arguments: {} }).then(
      () => undefined,
      (error: unknown) => error as { code: number; message: string },
    );
    assert.equal(unknown?.code, -32602);
    assert.match(unknown!.message, /Unknown tool: nobody__nothing/);
  });

  test(`${front}: progress arrives in full, in order, before the result`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const tap = new Tap(client);
    const seen: number[] = [];
    const result = await client.callTool(
      { name: "relay__slow", arguments: { steps: 6, intervalMs: 10 } },
      CallToolResultSchema,
      { onprogress: (progress) => void seen.push(progress.progress) },
    );
    assert.equal(text(result), "slow done after 6 steps");
    const progress = tap.notifications("notifications/progress");
    assert.deepEqual(
      progress.map((message) => message.params.progress),
      [1, 2, 3, 4, 5, 6],
      "every progress notification reached the client",
    );
    assert.ok(progress.every((message) => message.params.total === 6 && /^step \d of 6$/.test(message.params.message)));
    const token = progress[0]!.params.progressToken;
    assert.ok(
      progress.every((message) => message.params.progressToken === token),
      "the client's own token",
    );
    const resultIndex = tap.messages.findIndex(
      (message) => "result" in message && JSON.stringify(message.result).includes("slow done after 6 steps"),
    );
    assert.ok(tap.messages.indexOf(progress.at(-1)!) < resultIndex, "the last progress came before the result");
    t.diagnostic(`the SDK client's own onprogress saw ${seen.length} of 6`);
    assert.ok(seen.length >= 5, `the SDK's own onprogress saw ${seen.length}`);
  });

  test(`${front}: sampling, elicitation and roots from a backend are answered by this client`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`, {
      capabilities: FULL_CLIENT_CAPABILITIES,
      setup: answering(`client-${front}`),
    });
    const result = await client.callTool({ name: "relay__ask", arguments: {} });
    const answers = result.structuredContent as Record<string, any>;
    assert.equal(answers.sampling.content.text, `sampled by client-${front}`);
    assert.deepEqual(answers.elicitation, { action: "accept", content: { colour: `colour of client-${front}` } });
    assert.deepEqual(answers.roots.roots, [{ uri: `file:///roots/client-${front}`, name: `client-${front}` }]);
    // server-everything over each transport asks too.
    const sampled = await client.callTool({
      name: "evh__trigger-sampling-request",
      arguments: { prompt: "hello", maxTokens: 10 },
    });
    assert.match(JSON.stringify(sampled.content), new RegExp(`sampled by client-${front.replace("/", "\\/")}`));
  });

  test(`${front}: cancelling a call reaches the backend`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const cancellations = async () => {
      const records = (await client.callTool({ name: "relay__records", arguments: {} })).structuredContent as {
        records: Array<Record<string, any>>;
      };
      return records.records.filter((record) => record.type === "cancelled" && record.tool === "slow");
    };
    const before = (await cancellations()).length;
    const abort = new AbortController();
    const call = client.callTool(
      { name: "relay__slow", arguments: { steps: 400, intervalMs: 25 } },
      CallToolResultSchema,
      {
        signal: abort.signal,
        onprogress: () => abort.abort("test cancels"),
      },
    );
    await assert.rejects(call, /test cancels|abort/i);
    // The fixture records it; no event tells the test, so the record is polled (bounded).
    const after = await until("the fixture to record the cancellation", async () => {
      const now = await cancellations();
      return now.length > before && now;
    });
    assert.equal(after.length, before + 1, "exactly this call was cancelled");
    assert.match(String(after.at(-1)!.reason), /test cancels|cancel/i);
    const wire = (await client.callTool({ name: "relay__records", arguments: {} })).structuredContent as {
      records: Array<Record<string, any>>;
    };
    const notice = wire.records.filter((record) => record.method === "notifications/cancelled").at(-1);
    assert.equal(
      notice?.params?.requestId,
      after.at(-1)!.requestId,
      "notifications/cancelled named the backend's own request id",
    );
  });

  test(`${front}: completion is routed by the prompt's exposed name`, async (t) => {
    const client = await connectClient(t, `${gateway.base}${front}`);
    const completion = await client.complete({
      ref: { type: "ref/prompt", name: "relay__greet" },
      argument: { name: "name", value: "al" },
    });
    assert.deepEqual(completion.completion.values, ["alice", "albert"]);
  });
}

test("subscriptions: resources/updated reaches the subscribed session only", async (t) => {
  const subscriber = await connectClient(t, `${gateway.base}/mcp`);
  const bystander = await connectClient(t, `${gateway.base}/sse`);
  const subscriberTap = new Tap(subscriber);
  const bystanderTap = new Tap(bystander);
  await standaloneStreamOpen(gateway, subscriber);
  await subscriber.subscribeResource({ uri: "relay://watched" });
  const touched = await bystander.callTool({ name: "relay__touch", arguments: { uri: "relay://watched" } });
  assert.deepEqual(touched.structuredContent, { uri: "relay://watched", notified: true });
  const updated = await subscriberTap.waitFor(
    (message) => message.method === "notifications/resources/updated",
    "resources/updated",
  );
  assert.equal(updated.params.uri, "relay://watched");
  // The bystander's one SSE stream carries everything in order: once a later notification (a list change
  // fanned out to every session) arrives there, an update sent to it would have arrived before.
  await subscriber.callTool({ name: "relay__add_tool", arguments: { name: "probe_after_touch" } });
  await bystanderTap.waitFor((message) => message.method === "notifications/tools/list_changed", "tools/list_changed");
  assert.deepEqual(
    bystanderTap.notifications("notifications/resources/updated"),
    [],
    "no update for a session that did not subscribe",
  );
  await subscriber.unsubscribeResource({ uri: "relay://watched" });
  const after = await bystander.callTool({ name: "relay__touch", arguments: { uri: "relay://watched" } });
  assert.deepEqual(
    after.structuredContent,
    { uri: "relay://watched", notified: false },
    "the backend was unsubscribed when nobody listens",
  );
});

test("tools/list_changed is fanned out to every session after add_tool, and the new tool is listed", async (t) => {
  const one = await connectClient(t, `${gateway.base}/sse`);
  const two = await connectClient(t, `${gateway.base}/sse`);
  const three = await connectClient(t, `${gateway.base}/mcp/relay`);
  const taps = [new Tap(one), new Tap(two), new Tap(three)];
  await standaloneStreamOpen(gateway, three);
  await one.callTool({ name: "relay__add_tool", arguments: { name: "added_later" } });
  await Promise.all(
    taps.map((tap) =>
      tap.waitFor((message) => message.method === "notifications/tools/list_changed", "tools/list_changed"),
    ),
  );
  assert.ok((await two.listTools()).tools.some((tool) => tool.name === "relay__added_later"));
  assert.ok(
    (await three.listTools()).tools.some((tool) => tool.name === "added_later"),
    "per-server names unchanged",
  );
  assert.equal(
    text(await two.callTool({ name: "relay__added_later", arguments: { text: "hey" } })),
    "added_later: hey",
  );
});

test("logging/setLevel: each session gets the messages of its own calls at or above its own level", async (t) => {
  const verbose = await connectClient(t, `${gateway.base}/sse`);
  const quiet = await connectClient(t, `${gateway.base}/sse`);
  const verboseTap = new Tap(verbose);
  const quietTap = new Tap(quiet);
  await verbose.callTool({ name: "relay__tool_1", arguments: { text: "start" } });
  await verbose.setLoggingLevel("debug");
  await quiet.setLoggingLevel("error");
  const isRelayLog = (message: Record<string, any>) =>
    message.method === "notifications/message" && message.params.logger === "relay/relay-fixture";
  const levels = (tap: Tap) => tap.messages.filter(isRelayLog).map((message) => message.params.level);
  const result = await verbose.callTool({ name: "relay__log", arguments: {} });
  assert.deepEqual(
    (result.structuredContent as { sent: string[] }).sent.length,
    8,
    "the shared backend logs at the most verbose level any session asked for",
  );
  await verboseTap.waitForCount(isRelayLog, 8, "log messages");
  assert.deepEqual(levels(verboseTap), [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
  ]);
  await quiet.callTool({ name: "relay__log", arguments: {} });
  await quietTap.waitForCount(isRelayLog, 4, "log messages");
  assert.deepEqual(levels(quietTap), ["error", "critical", "alert", "emergency"], "its own call's, at its level");
  // A later result on the verbose session's one SSE stream: the quiet session's messages never came to it.
  await verbose.callTool({ name: "relay__tool_1", arguments: { text: "end" } });
  assert.equal(levels(verboseTap).length, 8);
});

test("/mcp/<id>: names unchanged, a vendor method (acme/ping) is relayed", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp/relay`);
  const listed = await client.listTools();
  assert.equal(listed.nextCursor, undefined, "every page of the backend in one answer");
  for (const name of ["tool_1", "tool_5", "echo", "records"])
    assert.ok(
      listed.tools.some((tool) => tool.name === name),
      name,
    );
  const raw = (await client.request({ method: "tools/list", params: {} }, ResultSchema)) as {
    tools: Array<Record<string, unknown>>;
  };
  assert.deepEqual(raw.tools.find((tool) => tool.name === "echo")!.vendorExtra, {
    vendor: "acme",
    tier: 3,
    flags: ["beta"],
  });
  // A client that pages itself gets the backend's own pages.
  const page = (await client.request(
    {
      method: "tools/list",
      params: { cursor: Buffer.from(JSON.stringify({ k: "tools", o: 2 })).toString("base64url") },
    },
    ResultSchema,
  )) as { tools: unknown[]; nextCursor?: string };
  assert.equal(page.tools.length, 2);
  assert.equal(typeof page.nextCursor, "string");
  assert.deepEqual(await client.request({ method: "acme/ping", params: {} } as never, ResultSchema), { pong: 42 });
  const unknown = await client.request({ method: "acme/unknown", params: {} } as never, ResultSchema).then(
    () => undefined,
    (error: { code: number }) => error,
  );
  assert.equal(unknown?.code, -32601);
  const sse = await connectClient(t, `${gateway.base}/sse/relay`);
  assert.deepEqual(await sse.request({ method: "acme/ping", params: {} } as never, ResultSchema), { pong: 42 });
});

test("DELETE ends a Streamable HTTP session; the id then gets 404", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp`);
  const transport = client.transport as StreamableHTTPClientTransport;
  const sessionId = transport.sessionId!;
  assert.ok(gateway.relay.sessions.has(sessionId));
  await transport.terminateSession();
  assert.equal(gateway.relay.sessions.has(sessionId), false, "the relay forgot the session");
  const after = await request(gateway.port, {
    method: "POST",
    path: "/mcp",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  assert.equal(after.status, 404);
  assert.equal(after.json().error.code, -32001);
});

// Plugins on the request pipeline, seen through real clients: observers of `outcome` (every
// tools/call on every path, refusals included; a throwing observer harms nobody), stage taps that
// refuse with `refuse()`, `sessionOpened` / `sessionClosed`, and the `list` hook on every path.
import "reflect-metadata";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  gatewayTokens,
  refuse,
  type GatewayPlugin,
  type McpRequest,
  type RequestOutcome,
  type SessionInfo,
} from "open-mcp-gateway";
import { tempDir, writeFiles } from "../helpers/files.js";
import {
  connectClient,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "../http/support.js";
import { connectStdio, writeConfig } from "../stdio/support.js";
import { filePlugins, listAll, passThroughFront, postJson, sessionFront, textOf, type Front } from "./support.js";

const ALICE = "alice-key-0123456789";
const BOB = "bob-key-0123456789ab";
const OPS = "ops-key-0123456789abc";
const as = (key: string) => ({ authorization: `Bearer ${key}` });

/** What the recording observer keeps of each tools/call. */
interface SeenCall {
  principal: string;
  transport: string;
  server?: string;
  exposedName?: string;
  name?: string;
  ok: boolean;
  stage?: string;
  code?: number;
  data?: unknown;
}

const calls: SeenCall[] = [];
/** Which observer ran, in order, for every outcome. */
const order: string[] = [];
const sessionEvents: Array<{ event: "opened" | "closed"; info: SessionInfo }> = [];
const listContexts: Array<{ kind: string; transport: string; server?: string; principal: string }> = [];
const bus = new EventEmitter();

function seen(request: McpRequest, outcome: RequestOutcome): SeenCall {
  return {
    principal: request.principal.id,
    transport: request.transport,
    ...(request.server !== undefined && { server: request.server }),
    ...(request.exposedName !== undefined && { exposedName: request.exposedName }),
    ...(request.name !== undefined && { name: request.name }),
    ok: outcome.ok,
    ...(!outcome.ok && { stage: outcome.stage, code: outcome.error.code }),
    ...(!outcome.ok && outcome.error.data !== undefined && { data: outcome.error.data }),
  };
}

/** Throws from every observer hook; runs first (a lower stage) so the others run after it. */
const throwingObserver: GatewayPlugin = {
  name: "throwing-observer",
  apply(ctx) {
    const hooks = ctx.use(gatewayTokens.requestHooks);
    hooks.outcome.tap({ name: "throwing-observer", stage: -100 }, () => {
      order.push("throwing-observer");
      throw new Error("observer bug");
    });
    hooks.sessionOpened.tap({ name: "throwing-observer", stage: -100 }, () => {
      throw new Error("observer bug at open");
    });
  },
};

const recordingObserver: GatewayPlugin = {
  name: "recording-observer",
  apply(ctx) {
    const hooks = ctx.use(gatewayTokens.requestHooks);
    hooks.outcome.tap("recording-observer", (request, outcome) => {
      order.push("recording-observer");
      if (request.method === "tools/call") calls.push(seen(request, outcome));
    });
    hooks.sessionOpened.tap("recording-observer", (info) => {
      sessionEvents.push({ event: "opened", info });
      bus.emit("opened", info);
    });
    hooks.sessionClosed.tap("recording-observer", (info) => {
      sessionEvents.push({ event: "closed", info });
      bus.emit("closed", info);
    });
    // One list tap for every path: relay's tool_1 is left out, and each context is kept.
    hooks.list.tap("recording-observer", (items, context) => {
      listContexts.push({
        kind: context.kind,
        transport: context.transport,
        ...(context.server !== undefined && { server: context.server }),
        principal: context.principal.id,
      });
      return context.kind === "tools"
        ? items.filter((entry) => !(entry.server === "relay" && entry.original === "tool_1"))
        : items;
    });
  },
};

/** Refuses `touch` calls by their `by` argument: in authorize (own code and data), in shape (the default code), or crashes. */
const refuser: GatewayPlugin = {
  name: "refuser",
  apply(ctx) {
    const hooks = ctx.use(gatewayTokens.requestHooks);
    const by = (request: McpRequest) =>
      request.method === "tools/call" && request.name === "touch"
        ? (request.params.arguments as { by?: string } | undefined)?.by
        : undefined;
    hooks.authorize.tap("refuser", (request) => {
      if (by(request) === "authorize") refuse("No touching (authorize)", -32050, { by: "authorize" });
      if (by(request) === "crash") throw new Error("tap bug");
    });
    hooks.shape.tapPromise("refuser", async (request) => {
      if (by(request) === "shape") refuse("No touching (shape)");
    });
  },
};

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, {
    api_keys: [
      { name: "alice", key: ALICE },
      { name: "bob", key: BOB },
      { name: "ops", key: OPS, scopes: ["admin"] },
    ],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: filePlugins(scope, [throwingObserver, recordingObserver, refuser]),
  });
});
after(() => scope.cleanup());

/** The calls the observer saw while `action` ran. */
async function callsDuring(action: () => Promise<unknown>): Promise<SeenCall[]> {
  const from = calls.length;
  await action();
  return calls.slice(from);
}

test("an outcome observer sees every tools/call on every path, refused ones included, and a throwing observer before it changes nothing", async (t) => {
  const mcp = sessionFront("/mcp", await connectClient(t, `${gateway.base}/mcp`, { headers: as(ALICE) }), true);
  const mcpRelay = sessionFront(
    "/mcp/relay",
    await connectClient(t, `${gateway.base}/mcp/relay`, { headers: as(BOB) }),
    false,
  );
  const sse = sessionFront("/sse", await connectClient(t, `${gateway.base}/sse`, { headers: as(ALICE) }), true);
  const sseRelay = sessionFront(
    "/sse/relay",
    await connectClient(t, `${gateway.base}/sse/relay`, { headers: as(BOB) }),
    false,
  );
  const rpc = passThroughFront(gateway.base, "/rpc", "relay", as(ALICE));
  const mcpServerId = passThroughFront(gateway.base, "/mcp", "relay", as(BOB));
  const orderFrom = order.length;
  const echo = (front: Front) => async () =>
    assert.equal(
      textOf(
        (
          await front.request("tools/call", {
            name: `${front.prefixFor("relay")}echo`,
            arguments: { text: front.label },
          })
        ).result,
      ),
      `echo: ${front.label}`,
    );
  const refusedByAuth =
    (
      headers: Record<string, string>,
      url: string,
      extra: Record<string, string> = {},
      body: Record<string, unknown> = {},
    ) =>
    async () => {
      const response = await postJson(
        url,
        { ...body, jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "relay__echo", arguments: {} } },
        { ...headers, ...extra },
      );
      assert.ok(response.status === 401 || response.status === 403, `${url}: ${response.status}`);
      return response.status;
    };

  const seenCalls = await callsDuring(async () => {
    for (const front of [mcp, mcpRelay, sse, sseRelay, rpc, mcpServerId]) await echo(front)();
    const refused = await mcp.request("tools/call", { name: "relay__touch", arguments: { by: "authorize" } });
    assert.deepEqual(refused.error, { code: -32050, message: "No touching (authorize)", data: { by: "authorize" } });
    const shaped = await rpc.request("tools/call", { name: "touch", arguments: { by: "shape" } });
    assert.deepEqual(shaped.error, { code: -32600, message: "No touching (shape)" });
    const unknown = await mcp.request("tools/call", { name: "nobody__nothing", arguments: {} });
    assert.equal(unknown.error?.code, -32602);
    await refusedByAuth({ authorization: "Bearer wrong-key" }, `${gateway.base}/mcp`)();
    await refusedByAuth({}, `${gateway.base}/mcp`)();
    await refusedByAuth(as(OPS), `${gateway.base}/mcp`)();
    await refusedByAuth({ "x-api-key": "wrong-key" }, `${gateway.base}/rpc`, { "x-server-id": "relay" })();
    await refusedByAuth({}, `${gateway.base}/mcp`, {}, { server_id: "relay" })();
    await refusedByAuth({ authorization: "Bearer wrong-key" }, `${gateway.base}/messages?sessionId=anything`)();
  });

  const ok = (principal: string, transport: string, exposedName: string): SeenCall => ({
    principal,
    transport,
    server: "relay",
    exposedName,
    name: "echo",
    ok: true,
  });
  // A refused pass-through names its target (X-Server-ID, server_id); a session route does not.
  const authRefused = (principal: string, transport: string, status: number): SeenCall => ({
    principal,
    transport,
    ...(transport === "pass-through" && { server: "relay" }),
    exposedName: "relay__echo",
    ok: false,
    stage: "authenticate",
    code: -32600,
    data: { http_status: status },
  });
  assert.deepEqual(seenCalls, [
    ok("alice", "streamable-http", "relay__echo"),
    ok("bob", "streamable-http", "echo"),
    ok("alice", "sse", "relay__echo"),
    ok("bob", "sse", "echo"),
    ok("alice", "pass-through", "echo"),
    ok("bob", "pass-through", "echo"),
    {
      principal: "alice",
      transport: "streamable-http",
      server: "relay",
      exposedName: "relay__touch",
      name: "touch",
      ok: false,
      stage: "authorize",
      code: -32050,
      data: { by: "authorize" },
    },
    {
      principal: "alice",
      transport: "pass-through",
      server: "relay",
      exposedName: "touch",
      name: "touch",
      ok: false,
      stage: "shape",
      code: -32600,
    },
    {
      principal: "alice",
      transport: "streamable-http",
      exposedName: "nobody__nothing",
      ok: false,
      stage: "dispatch",
      code: -32602,
    },
    authRefused("unauthenticated", "streamable-http", 403),
    authRefused("unauthenticated", "streamable-http", 401),
    // A valid key without the `mcp` scope: known, but refused all the same.
    authRefused("ops", "streamable-http", 403),
    authRefused("unauthenticated", "pass-through", 403),
    authRefused("unauthenticated", "pass-through", 401),
    authRefused("unauthenticated", "sse", 403),
  ]);

  // The throwing observer ran first every time, and the recording one after it every time.
  const observed = order.slice(orderFrom);
  assert.ok(observed.length >= 2 * seenCalls.length, "every outcome reached both observers");
  for (let i = 0; i < observed.length; i += 2)
    assert.deepEqual(observed.slice(i, i + 2), ["throwing-observer", "recording-observer"]);
  assert.match(gateway.logs.text(), /Plugin 'throwing-observer' failed in request hook 'outcome': observer bug/);
});

test("a stage tap's refuse() is the client's JSON-RPC error on every path, and the backend never sees the call", async (t) => {
  const probe = await connectClient(t, `${gateway.base}/mcp/relay`, { headers: as(ALICE) });
  const version = async () =>
    ((await probe.readResource({ uri: "relay://watched" })).contents[0] as { text: string }).text;
  const before = await version();
  const fronts: Front[] = [
    sessionFront("/mcp", await connectClient(t, `${gateway.base}/mcp`, { headers: as(ALICE) }), true),
    sessionFront("/mcp/relay", probe, false),
    sessionFront("/sse", await connectClient(t, `${gateway.base}/sse`, { headers: as(BOB) }), true),
    passThroughFront(gateway.base, "/rpc", "relay", as(ALICE)),
    passThroughFront(gateway.base, "/mcp", "relay", as(BOB)),
  ];
  for (const front of fronts) {
    const touch = (by: string) =>
      front.request("tools/call", { name: `${front.prefixFor("relay")}touch`, arguments: { by } });
    assert.deepEqual(
      (await touch("authorize")).error,
      { code: -32050, message: "No touching (authorize)", data: { by: "authorize" } },
      front.label,
    );
    assert.deepEqual((await touch("shape")).error, { code: -32600, message: "No touching (shape)" }, front.label);
    if (!front.label.includes("pass-through")) {
      const crashed = (await touch("crash")).error;
      assert.equal(crashed?.code, -32603, front.label);
      assert.match(crashed!.message, /^Plugin 'refuser' failed in request hook 'authorize': tap bug$/, front.label);
    }
  }
  // Pass-through answers a gateway-side failure with an HTTP status.
  const crashed = await postJson(
    `${gateway.base}/rpc`,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "touch", arguments: { by: "crash" } } },
    { ...as(ALICE), "x-server-id": "relay" },
  );
  assert.equal(crashed.status, 500);
  assert.match(crashed.body.message, /Plugin 'refuser' failed in request hook 'authorize': tap bug/);

  assert.equal(await version(), before, "no refused touch reached the backend");
  // The probe would have seen one: an allowed touch changes the version.
  await probe.callTool({ name: "touch", arguments: { by: "nobody" } });
  assert.notEqual(await version(), before);
});

test("sessionOpened and sessionClosed carry the principal and transport of Streamable HTTP and SSE sessions", async (t) => {
  const opened = (accept: (info: SessionInfo) => boolean, past = true) => waitFor("opened", accept, past);
  const closed = (id: string) => waitFor("closed", (info) => info.id === id);

  const streamable = await connectClient(t, `${gateway.base}/mcp`, { headers: as(ALICE) });
  const sessionId = (streamable.transport as StreamableHTTPClientTransport).sessionId!;
  const openedStreamable = await opened((info) => info.id === sessionId);
  assert.deepEqual(pick(openedStreamable), { principal: "alice", transport: "streamable-http" });
  assert.ok(openedStreamable.openedAt instanceof Date);
  const relayOnly = await connectClient(t, `${gateway.base}/mcp/relay`, { headers: as(BOB) });
  const relayId = (relayOnly.transport as StreamableHTTPClientTransport).sessionId!;
  assert.deepEqual(pick(await opened((info) => info.id === relayId)), {
    principal: "bob",
    transport: "streamable-http",
    server: "relay",
  });

  // The session works although the first sessionOpened observer threw.
  assert.equal(
    textOf((await streamable.callTool({ name: "relay__echo", arguments: { text: "still" } })) as Record<string, any>),
    "echo: still",
  );
  assert.match(
    gateway.logs.text(),
    /Plugin 'throwing-observer' failed in request hook 'sessionOpened': observer bug at open/,
  );

  const endStreamable = closed(sessionId);
  await (streamable.transport as StreamableHTTPClientTransport).terminateSession();
  assert.deepEqual(pick(await endStreamable), { principal: "alice", transport: "streamable-http" });

  const sseOpened = opened(
    (info) => info.transport === "sse" && info.principal.id === "bob" && info.server === "relay",
    false,
  );
  const sse = await connectClient(t, `${gateway.base}/sse/relay`, { headers: as(BOB) });
  const sseInfo = await sseOpened;
  assert.deepEqual(pick(sseInfo), { principal: "bob", transport: "sse", server: "relay" });
  const sseAggregatedOpened = opened(
    (info) => info.transport === "sse" && info.principal.id === "alice" && info.server === undefined,
    false,
  );
  const sseAggregated = await connectClient(t, `${gateway.base}/sse`, { headers: as(ALICE) });
  const sseAggregatedInfo = await sseAggregatedOpened;
  const endSse = closed(sseInfo.id);
  await sse.close();
  assert.deepEqual(pick(await endSse), { principal: "bob", transport: "sse", server: "relay" });
  const endSseAggregated = closed(sseAggregatedInfo.id);
  await sseAggregated.close();
  assert.deepEqual(pick(await endSseAggregated), { principal: "alice", transport: "sse" });
});

test("one list tap works on every path: /mcp, /mcp/:id, /sse and pass-through lists all lose relay's tool_1", async (t) => {
  const fronts: Front[] = [
    sessionFront("/mcp", await connectClient(t, `${gateway.base}/mcp`, { headers: as(ALICE) }), true),
    sessionFront("/mcp/relay", await connectClient(t, `${gateway.base}/mcp/relay`, { headers: as(BOB) }), false),
    sessionFront("/sse", await connectClient(t, `${gateway.base}/sse`, { headers: as(ALICE) }), true),
    passThroughFront(gateway.base, "/rpc", "relay", as(ALICE)),
    passThroughFront(gateway.base, "/mcp", "relay", as(BOB)),
  ];
  const from = listContexts.length;
  for (const front of fronts) {
    const names = (await listAll(front, "tools/list", "tools")).map((tool) => String(tool.name));
    const p = front.prefixFor("relay");
    assert.ok(!names.includes(`${p}tool_1`), `${front.label}: tool_1 left out`);
    for (const kept of ["tool_2", "tool_5", "echo", "touch"])
      assert.ok(names.includes(`${p}${kept}`), `${front.label}: ${kept} kept`);
    // A left-out tool is not callable by its listed name on the aggregated endpoints.
    if (p !== "")
      assert.equal(
        (await front.request("tools/call", { name: `${p}tool_1`, arguments: {} })).error?.code,
        -32602,
        front.label,
      );
  }
  const seenContexts = listContexts.slice(from).filter((context) => context.kind === "tools");
  const unique = [...new Map(seenContexts.map((context) => [JSON.stringify(context), context])).values()];
  assert.deepEqual(unique, [
    { kind: "tools", transport: "streamable-http", principal: "alice" },
    { kind: "tools", transport: "streamable-http", server: "relay", principal: "bob" },
    { kind: "tools", transport: "sse", principal: "alice" },
    { kind: "tools", transport: "pass-through", server: "relay", principal: "alice" },
    { kind: "tools", transport: "pass-through", server: "relay", principal: "bob" },
  ]);
});

test("mcpgw stdio: a file plugin's outcome and sessionOpened observers see principal and transport 'stdio'", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "seen.jsonl");
  // A plugin file as a user writes one, in the real CLI process; services are Symbol.for tokens.
  writeFiles(dir, {
    "observer.mjs": `import { appendFileSync } from "node:fs";
export default (options) => ({
  name: "stdio-observer",
  apply(ctx) {
    const hooks = ctx.use(Symbol.for("mcpgw:mcp.requestHooks"));
    const write = (entry) => appendFileSync(options.file, JSON.stringify(entry) + "\\n");
    hooks.sessionOpened.tap("stdio-observer", (info) => write({ event: "opened", principal: info.principal.id, transport: info.transport, server: info.server }));
    hooks.outcome.tap("stdio-observer", (request, outcome) => {
      if (request.method === "tools/call") write({ event: "call", principal: request.principal.id, transport: request.transport, server: request.server, exposedName: request.exposedName, name: request.name, ok: outcome.ok });
    });
  },
});
`,
  });
  const config = writeConfig(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: { [path.join(dir, "observer.mjs")]: { file } },
  });
  const { client } = await connectStdio(t, ["--config", config]);
  assert.equal(
    textOf((await client.callTool({ name: "relay__echo", arguments: { text: "s" } })) as Record<string, any>),
    "echo: s",
  );
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines, [
    { event: "opened", principal: "stdio", transport: "stdio" },
    {
      event: "call",
      principal: "stdio",
      transport: "stdio",
      server: "relay",
      exposedName: "relay__echo",
      name: "echo",
      ok: true,
    },
  ]);
});

function pick(info: SessionInfo): Record<string, unknown> {
  return {
    principal: info.principal.id,
    transport: info.transport,
    ...(info.server !== undefined && { server: info.server }),
  };
}

/** The first session event that passes `accept`: one already seen (when `past`), or the next to come. */
function waitFor(
  event: "opened" | "closed",
  accept: (info: SessionInfo) => boolean,
  past = true,
): Promise<SessionInfo> {
  const already = past ? sessionEvents.find((entry) => entry.event === event && accept(entry.info)) : undefined;
  if (already) return Promise.resolve(already.info);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      bus.off(event, listener);
      reject(new Error(`timed out waiting for session ${event}`));
    }, 10_000);
    const listener = (info: SessionInfo) => {
      if (!accept(info)) return;
      clearTimeout(timer);
      bus.off(event, listener);
      resolve(info);
    };
    bus.on(event, listener);
  });
}

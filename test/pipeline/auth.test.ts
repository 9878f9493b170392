// Who may do what over HTTP: sessions bound to the principal that opened them, key scopes,
// deny by default once any authenticator is registered, and the non-loopback listen check.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { gatewayTokens, type GatewayPlugin } from "open-mcp-gateway";
import { tempDir } from "../helpers/files.js";
import { errorsOf, loadTestGateway } from "../helpers/gateway.js";
import { connectOutcome } from "../helpers/net.js";
import {
  connectClient,
  freePort,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "../http/support.js";
import { filePlugins, initializeMessage, postJson, sseClient, textOf } from "./support.js";

const KEYS = {
  alice: "alice-key-0123456789",
  bob: "bob-key-0123456789ab",
  mcponly: "mcp-only-key-0123456",
  adminonly: "admin-only-key-01234",
};
const as = (name: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[name]}` });

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, {
    api_keys: [
      { name: "alice", key: KEYS.alice },
      { name: "bob", key: KEYS.bob },
      { name: "mcponly", key: KEYS.mcponly, scopes: ["mcp"] },
      { name: "adminonly", key: KEYS.adminonly, scopes: ["admin"] },
    ],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
});
after(() => scope.cleanup());

/** A raw request to `base` (the suite's gateway by default); the body of a streamed answer is not waited for. */
async function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  base = gateway.base,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      accept: "application/json, text/event-stream",
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, body: undefined };
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const NOT_FOUND = {
  jsonrpc: "2.0",
  id: null,
  error: { code: -32001, message: "Session not found: it ended or never existed; send initialize again" },
};

test("a Streamable HTTP session is its opener's: another key presenting its Mcp-Session-Id gets 404 on POST, GET and DELETE; the owner carries on", async (t) => {
  const alice = await connectClient(t, `${gateway.base}/mcp`, { headers: as("alice") });
  const sessionId = (alice.transport as StreamableHTTPClientTransport).sessionId!;
  assert.ok(sessionId);
  const session = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };

  const post = await raw(
    "POST",
    "/mcp",
    { ...as("bob"), ...session },
    { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "relay__echo", arguments: { text: "hijack" } } },
  );
  assert.equal(post.status, 404);
  assert.deepEqual(post.body, NOT_FOUND);
  const get = await raw("GET", "/mcp", { ...as("bob"), ...session, accept: "text/event-stream" });
  assert.equal(get.status, 404);
  const del = await raw("DELETE", "/mcp", { ...as("bob"), ...session });
  assert.equal(del.status, 404);
  assert.deepEqual(del.body, NOT_FOUND);

  // Alice's session is untouched: it still exists and answers.
  assert.ok(gateway.relay.get(sessionId), "the session was not closed");
  assert.equal(
    textOf((await alice.callTool({ name: "relay__echo", arguments: { text: "mine" } })) as Record<string, any>),
    "echo: mine",
  );
  // Her own key does reach it.
  const own = await raw("POST", "/mcp", { ...as("alice"), ...session }, { jsonrpc: "2.0", id: 6, method: "ping" });
  assert.equal(own.status, 200);
});

test("a legacy SSE session is its opener's: another key posting to its /messages?sessionId= gets 404; the owner carries on", async (t) => {
  const { client: alice, messagesUrl } = await sseClient(t, `${gateway.base}/sse`, as("alice"));
  const url = messagesUrl();
  assert.match(url, /\/messages\?sessionId=[\w-]+$/);
  const bob = await postJson(
    url,
    { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "relay__echo", arguments: { text: "hijack" } } },
    as("bob"),
  );
  assert.equal(bob.status, 404);
  assert.deepEqual(bob.body, {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32001, message: `Session not found: ${new URL(url).searchParams.get("sessionId")}` },
  });
  assert.equal(
    textOf((await alice.callTool({ name: "relay__echo", arguments: { text: "mine" } })) as Record<string, any>),
    "echo: mine",
  );
});

test("scopes: an [mcp] key is refused the admin routes and served MCP; an [admin] key the other way round; GET /servers takes either", async (t) => {
  const forbidden = (name: string, scopeName: string) => ({
    error: "Forbidden",
    message: `API key '${name}' lacks the '${scopeName}' scope`,
  });

  for (const action of ["start", "stop"]) {
    const refused = await raw("POST", `/servers/relay/${action}`, as("mcponly"));
    assert.equal(refused.status, 403, action);
    assert.deepEqual(refused.body, forbidden("mcponly", "admin"));
  }
  const mcp = await connectClient(t, `${gateway.base}/mcp`, { headers: as("mcponly") });
  assert.equal(
    textOf((await mcp.callTool({ name: "relay__echo", arguments: { text: "scoped" } })) as Record<string, any>),
    "echo: scoped",
  );

  const initialize = await raw("POST", "/mcp", as("adminonly"), initializeMessage());
  assert.equal(initialize.status, 403);
  assert.deepEqual(initialize.body, forbidden("adminonly", "mcp"));
  await assert.rejects(
    connectClient(t, `${gateway.base}/mcp`, { headers: as("adminonly") }),
    /403|lacks the 'mcp' scope/,
  );
  assert.equal((await raw("GET", "/sse", { ...as("adminonly"), accept: "text/event-stream" })).status, 403);
  assert.equal(
    (
      await raw(
        "POST",
        "/rpc",
        { ...as("adminonly"), "x-server-id": "relay" },
        { jsonrpc: "2.0", id: 1, method: "ping" },
      )
    ).status,
    403,
  );

  await gateway.supervisor.stop("relay");
  const started = await raw("POST", "/servers/relay/start", as("adminonly"));
  assert.equal(started.status, 200);
  assert.deepEqual(started.body, { id: "relay", status: "running", message: "Server started successfully" });
  const stopped = await raw("POST", "/servers/relay/stop", as("adminonly"));
  assert.equal(stopped.status, 200);
  assert.equal(gateway.supervisor.get("relay").status, "stopped");

  for (const name of ["mcponly", "adminonly"] as const)
    assert.equal((await raw("GET", "/servers", as(name))).status, 200, name);
});

test("deny by default: an authenticator that always abstains leaves every protected route 401, and /health answers", async (t) => {
  let asked = 0;
  const abstainer: GatewayPlugin = {
    name: "abstainer",
    apply(ctx) {
      ctx.use(gatewayTokens.authenticators).register({
        name: "abstainer",
        authenticate() {
          asked++;
          return undefined;
        },
      });
    },
  };
  const denying = await startHttpGateway(t, {
    servers: [nodeServer("relay", RELAY_FIXTURE)],
    plugins: filePlugins(t, [abstainer]),
  });
  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    raw(method, path, headers, body, denying.base);
  const unauthorized = { error: "Unauthorized", message: "Authentication required (abstainer)" };
  const protectedRoutes: Array<[string, string, Record<string, string>, unknown?]> = [
    ["GET", "/servers", {}],
    ["GET", "/servers/relay", {}],
    ["POST", "/servers/relay/start", {}],
    ["POST", "/servers/relay/stop", {}],
    ["POST", "/mcp", {}, initializeMessage()],
    ["POST", "/mcp/relay", {}, initializeMessage()],
    ["GET", "/mcp", { "mcp-session-id": "x" }],
    ["DELETE", "/mcp", { "mcp-session-id": "x" }],
    ["GET", "/sse", {}],
    ["GET", "/sse/relay", {}],
    ["POST", "/messages?sessionId=x", {}, { jsonrpc: "2.0", id: 1, method: "ping" }],
    ["POST", "/rpc", { "x-server-id": "relay" }, { jsonrpc: "2.0", id: 1, method: "ping" }],
    ["POST", "/mcp", {}, { server_id: "relay", jsonrpc: "2.0", id: 1, method: "ping" }],
  ];
  for (const [method, path, headers, body] of protectedRoutes) {
    for (const credentials of [{}, { authorization: "Bearer some-key-0123456789" }] as Array<Record<string, string>>) {
      const answer = await request(method, path, { ...headers, ...credentials }, body);
      assert.equal(answer.status, 401, `${method} ${path}`);
      assert.deepEqual(answer.body, unauthorized, `${method} ${path}`);
    }
  }
  assert.equal(asked, protectedRoutes.length * 2, "the authenticator was asked every time");
  assert.deepEqual(await request("GET", "/health"), { status: 200, body: { status: "ok" } });
  assert.equal(denying.supervisor.get("relay").status, "stopped", "nothing refused reached a backend");
  assert.equal(denying.relay.list().length, 0, "no session was opened");
});

test("a pure observer (no authenticator) does not lift the refusal to serve a non-loopback listen_addr without a key; nothing is bound", async (t) => {
  let applied = false;
  const observer: GatewayPlugin = {
    name: "pure-observer",
    apply(ctx) {
      applied = true;
      const hooks = ctx.use(gatewayTokens.requestHooks);
      hooks.outcome.tap("pure-observer", () => {});
      hooks.sessionOpened.tap("pure-observer", () => {});
      hooks.list.tap("pure-observer", (items) => items);
    },
  };
  const port = await freePort();
  const loaded = await loadTestGateway(
    t,
    JSON.stringify({
      listen_addr: `0.0.0.0:${port}`,
      state_dir: tempDir(t),
      health_check_interval_seconds: 0,
      plugins: filePlugins(t, [observer]),
    }),
  );
  // Refused by validation, which runs every plugin's checks: the kernel is never built, nothing is bound.
  assert.ok(applied, "the observer plugin is loaded");
  assert.equal(loaded.kernel, undefined);
  assert.deepEqual(errorsOf(loaded), [
    `listen_addr 0.0.0.0:${port} is reachable from other machines and no API key is configured: set api_key (or api_keys), or listen on 127.0.0.1`,
  ]);
  assert.equal(await connectOutcome(port), "ECONNREFUSED");
});

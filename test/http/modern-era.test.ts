// The 2026-07-28 leg of /mcp and /mcp/:id (docs/protocol-eras.md): v2 clients pinned to the revision
// and in `auto` mode next to a v1 client on the same URLs; the revision's wire rules; discovery from
// the capability cache without starting anything; API keys and scopes; CORS for the new headers.
import "reflect-metadata";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { MODERN, modernPost } from "../helpers/modern.js";
import { textOf } from "../pipeline/support.js";
import { connectClient, nodeServer, RELAY_FIXTURE, startHttpGateway, type TestContext } from "./support.js";

type Negotiation = "legacy" | "auto" | { pin: string };

async function modernClient(
  t: TestContext,
  url: string,
  mode: Negotiation,
  headers: Record<string, string> = {},
): Promise<ModernClient> {
  const client = new ModernClient({ name: "modern-test", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers } }));
  t.after(() => client.close());
  return client;
}

test("a v2 client pinned to 2026-07-28 lists and calls tools through /mcp and /mcp/:id; an auto client negotiates modern; v1 works alongside", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });

  const one = await modernClient(t, `${gateway.base}/mcp/relay`, { pin: MODERN });
  assert.equal(one.getProtocolEra(), "modern");
  const tools = await one.listTools();
  assert.ok(
    tools.tools.some((tool) => tool.name === "echo"),
    JSON.stringify(tools.tools.map((tool) => tool.name)),
  );
  assert.equal(textOf((await one.callTool({ name: "echo", arguments: { text: "hi" } })) as never), "echo: hi");

  const all = await modernClient(t, `${gateway.base}/mcp`, { pin: MODERN });
  assert.ok((await all.listTools()).tools.some((tool) => tool.name === "relay__echo"));
  assert.equal(textOf((await all.callTool({ name: "relay__echo", arguments: { text: "yo" } })) as never), "echo: yo");

  const auto = await modernClient(t, `${gateway.base}/mcp/relay`, "auto");
  assert.equal(auto.getProtocolEra(), "modern");
  assert.equal(auto.getNegotiatedProtocolVersion(), MODERN);

  // The v1 client on the same URL, with the modern ones still connected: a session as before.
  const legacy = await connectClient(t, `${gateway.base}/mcp/relay`);
  const [old, fresh] = await Promise.all([
    legacy.callTool({ name: "echo", arguments: { text: "old" } }),
    one.callTool({ name: "echo", arguments: { text: "new" } }),
  ]);
  assert.equal(textOf(old), "echo: old");
  assert.equal(textOf(fresh as never), "echo: new");
  // A v2 client left in legacy mode still gets a session.
  const v2legacy = await modernClient(t, `${gateway.base}/mcp`, "legacy");
  assert.equal(v2legacy.getProtocolEra(), "legacy");
  assert.ok((await v2legacy.listTools()).tools.some((tool) => tool.name === "relay__echo"));
});

test("2026-07-28 wire rules: discovery from the cache starts nothing; cache hints; removed methods 404; header and envelope errors; -32021", async (t) => {
  const gateway = await startHttpGateway(t, { servers: [nodeServer("relay", RELAY_FIXTURE)] });
  const url = `${gateway.base}/mcp/relay`;

  const discovered = await modernPost(url, "server/discover");
  assert.equal(discovered.status, 200, JSON.stringify(discovered.body));
  const discover = discovered.body.result!;
  assert.deepEqual(discover.supportedVersions, [MODERN]);
  assert.equal(discover.resultType, "complete");
  assert.equal(discover.ttlMs, 0);
  assert.equal(discover.cacheScope, "private");
  assert.ok(discover.capabilities && typeof discover.capabilities === "object");
  assert.equal(gateway.supervisor.get("relay").status, "stopped", "discovery started no backend");
  const aggregated = await modernPost(`${gateway.base}/mcp`, "server/discover");
  assert.equal(aggregated.status, 200);
  assert.equal(gateway.supervisor.get("relay").status, "stopped");

  const listed = await modernPost(url, "tools/list");
  assert.equal(listed.status, 200);
  assert.ok(Array.isArray(listed.body.result!.tools));
  assert.equal(listed.body.result!.ttlMs, 0);
  assert.equal(listed.body.result!.cacheScope, "private");

  for (const removed of ["initialize", "ping", "logging/setLevel", "resources/subscribe", "acme/unknown"]) {
    const answer = await modernPost(url, removed, {}, { id: 7 });
    assert.equal(answer.status, 404, removed);
    assert.equal(answer.body.error?.code, -32601, removed);
    assert.equal(answer.body.id, 7, removed);
  }

  const mismatch = await modernPost(url, "tools/list", {}, { headers: { "mcp-method": "prompts/list" } });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.error?.code, -32020);
  const wrongName = await modernPost(
    url,
    "tools/call",
    { name: "echo", arguments: {} },
    { headers: { "mcp-name": "other" } },
  );
  assert.equal(wrongName.status, 400);
  assert.equal(wrongName.body.error?.code, -32020);

  const noEnvelope = await modernPost(url, "tools/list", {}, { meta: null });
  assert.equal(noEnvelope.status, 400);
  assert.equal(noEnvelope.body.error?.code, -32602);

  const unsupported = await modernPost(
    url,
    "server/discover",
    {},
    {
      meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
      headers: { "mcp-protocol-version": "2099-01-01" },
    },
  );
  assert.equal(unsupported.status, 400);
  assert.equal(unsupported.body.error?.code, -32022);

  // `ask` needs sampling first; this request declared no capability: -32021 naming it, HTTP 400.
  const needs = await modernPost(url, "tools/call", { name: "ask", arguments: {} });
  assert.equal(needs.status, 400, JSON.stringify(needs.body));
  assert.equal(needs.body.error?.code, -32021);
  assert.deepEqual(needs.body.error?.data, { requiredCapabilities: { sampling: {} } });

  // A stale session id on a modern request is ignored: served statelessly.
  const stale = await modernPost(
    url,
    "tools/call",
    { name: "echo", arguments: { text: "x" } },
    {
      headers: { "mcp-session-id": "gone-long-ago" },
    },
  );
  assert.equal(stale.status, 200);
  assert.equal(stale.body.result?.resultType, "complete");
  // A legacy POST without a session is still refused as before (no session made).
  const bare = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  assert.equal(bare.status, 400);
});

test("API keys and scoped keys bind the 2026-07-28 leg as they bind sessions", async (t) => {
  const gateway = await startHttpGateway(t, {
    api_keys: [
      { name: "alice", key: "alice-key-0123456789" },
      { name: "limited", key: "limited-key-0123456789", servers: ["other"] },
    ],
    servers: [nodeServer("relay", RELAY_FIXTURE), nodeServer("other", RELAY_FIXTURE)],
  });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  const anonymous = await modernPost(`${gateway.base}/mcp/relay`, "tools/list");
  assert.equal(anonymous.status, 401);
  const wrong = await modernPost(`${gateway.base}/mcp/relay`, "tools/list", {}, { headers: bearer("nope") });
  assert.equal(wrong.status, 403);

  const hidden = await modernPost(
    `${gateway.base}/mcp/relay`,
    "tools/list",
    {},
    { headers: bearer("limited-key-0123456789") },
  );
  assert.equal(hidden.status, 404);
  const own = await modernPost(
    `${gateway.base}/mcp/other`,
    "tools/list",
    {},
    { headers: bearer("limited-key-0123456789") },
  );
  assert.equal(own.status, 200);

  const limited = await modernClient(t, `${gateway.base}/mcp`, { pin: MODERN }, bearer("limited-key-0123456789"));
  const names = (await limited.listTools()).tools.map((tool) => tool.name);
  assert.ok(names.includes("other__echo"));
  assert.ok(!names.some((name) => name.startsWith("relay__")), names.join(", "));
  await assert.rejects(
    limited.callTool({ name: "relay__echo", arguments: { text: "x" } }),
    /Unknown tool: relay__echo/,
  );

  const alice = await modernClient(t, `${gateway.base}/mcp`, { pin: MODERN }, bearer("alice-key-0123456789"));
  assert.ok((await alice.listTools()).tools.some((tool) => tool.name === "relay__echo"));
});

test("CORS lets a browser send and read the 2026-07-28 headers, Mcp-Param-* as the preflight names them", async (t) => {
  const gateway = await startHttpGateway(t, {
    cors_origins: ["https://app.example.com"],
    servers: [nodeServer("relay", RELAY_FIXTURE)],
  });
  const preflight = await fetch(`${gateway.base}/mcp/relay`, {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, mcp-method, mcp-name, mcp-protocol-version, mcp-param-region",
    },
  });
  assert.equal(preflight.status, 204);
  const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
  for (const header of ["mcp-method", "mcp-name", "mcp-protocol-version", "mcp-param-region"])
    assert.ok(allowed.split(/,\s*/).includes(header), `${header} in ${allowed}`);
  const answer = await fetch(`${gateway.base}/mcp/relay`, {
    method: "POST",
    headers: {
      origin: "https://app.example.com",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": "server/discover",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.match(answer.headers.get("access-control-expose-headers") ?? "", /Mcp-Protocol-Version/);
});

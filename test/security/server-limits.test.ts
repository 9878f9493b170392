// A key limited to some `servers` (ids and tag: selectors) sees and calls only those, on every route
// and transport: aggregated lists filtered and other servers never started, calls to them refused as
// unknown, 404 on their one-server endpoints and pass-through, and left out of the REST API.
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { postJson, sseClient, textOf, initializeMessage } from "../pipeline/support.js";
import {
  connectClient,
  nodeServer,
  RELAY_FIXTURE,
  startHttpGateway,
  suiteScope,
  type TestGateway,
} from "../http/support.js";

const KEYS = {
  alpha: "alpha-only-key-0123456",
  team: "team-tag-key-01234567",
  full: "full-key-0123456789ab",
};
const as = (name: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[name]}` });

const scope = suiteScope();
let gateway: TestGateway;
before(async () => {
  gateway = await startHttpGateway(scope, {
    api_keys: [
      { name: "alpha-only", key: KEYS.alpha, servers: ["alpha"] },
      { name: "team", key: KEYS.team, scopes: ["mcp"], servers: ["tag:team"] },
      { name: "full", key: KEYS.full },
    ],
    servers: [
      nodeServer("alpha", RELAY_FIXTURE),
      nodeServer("beta", RELAY_FIXTURE, [], { tags: ["team"] }),
      nodeServer("gamma", RELAY_FIXTURE, [], { tags: ["team", "other"] }),
    ],
  });
});
after(() => scope.cleanup());

const serversOf = (names: string[]) => [...new Set(names.map((name) => name.split("__")[0]))].sort();

test("aggregated /mcp and /sse list only the key's servers, never start the others, and refuse their tools as unknown", async (t) => {
  const mcp = await connectClient(t, `${gateway.base}/mcp`, { headers: as("alpha") });
  const { client: sse } = await sseClient(t, `${gateway.base}/sse`, as("alpha"));
  for (const [label, client] of [
    ["/mcp", mcp],
    ["/sse", sse],
  ] as const) {
    assert.deepEqual(serversOf((await client.listTools()).tools.map((tool) => tool.name)), ["alpha"], label);
    assert.deepEqual(serversOf((await client.listPrompts()).prompts.map((prompt) => prompt.name)), ["alpha"], label);
    const uris = (await client.listResources()).resources.map((resource) => resource.uri);
    assert.ok(uris.length > 0, label);
    assert.equal(
      textOf((await client.callTool({ name: "alpha__echo", arguments: { text: "mine" } })) as Record<string, any>),
      "echo: mine",
    );
    await assert.rejects(
      client.callTool({ name: "beta__echo", arguments: { text: "theirs" } }),
      /-32602.*Unknown tool: beta__echo/,
      label,
    );
  }
  for (const hidden of ["beta", "gamma"])
    assert.equal(gateway.supervisor.get(hidden).status, "stopped", `${hidden} was never started for this key`);
});

test("a tag: selector: the key sees the servers with that tag", async (t) => {
  const client = await connectClient(t, `${gateway.base}/mcp`, { headers: as("team") });
  assert.deepEqual(serversOf((await client.listTools()).tools.map((tool) => tool.name)), ["beta", "gamma"]);
  await assert.rejects(client.callTool({ name: "alpha__echo", arguments: { text: "x" } }), /Unknown tool: alpha__echo/);
});

test("another server's /mcp/:id, /sse/:id, /rpc and POST /mcp with server_id answer 404, as for a server that does not exist", async (t) => {
  const initialize = await postJson(`${gateway.base}/mcp/beta`, initializeMessage(), as("alpha"));
  assert.equal(initialize.status, 404);
  assert.deepEqual(initialize.body.error, { code: -32001, message: "Server 'beta' not found" });
  const sse = await fetch(`${gateway.base}/sse/beta`, { headers: { ...as("alpha"), accept: "text/event-stream" } });
  assert.equal(sse.status, 404);
  await sse.body?.cancel();
  const ping = { jsonrpc: "2.0", id: 7, method: "tools/list" };
  const rpc = await postJson(`${gateway.base}/rpc`, ping, { ...as("alpha"), "x-server-id": "beta" });
  assert.equal(rpc.status, 404);
  assert.deepEqual(rpc.body, { error: "Not Found", message: "Server 'beta' not found" });
  const viaBody = await postJson(`${gateway.base}/mcp`, { ...ping, server_id: "beta" }, as("alpha"));
  assert.equal(viaBody.status, 404);
  // Its own server on each of those routes works.
  const own = await connectClient(t, `${gateway.base}/mcp/alpha`, { headers: as("alpha") });
  assert.ok((await own.listTools()).tools.some((tool) => tool.name === "echo"));
  assert.equal((await postJson(`${gateway.base}/rpc`, ping, { ...as("alpha"), "x-server-id": "alpha" })).status, 200);
  assert.equal(
    (await postJson(`${gateway.base}/mcp/beta`, initializeMessage(), as("full"))).status,
    200,
    "a key without a limit opens it",
  );
});

test("REST: GET /servers lists only the key's servers; another's detail, start and stop answer 404", async () => {
  const list = await fetch(`${gateway.base}/servers`, { headers: as("alpha") });
  assert.deepEqual(
    ((await list.json()) as Array<{ id: string }>).map((server) => server.id),
    ["alpha"],
  );
  const tagged = await fetch(`${gateway.base}/servers?tag=team`, { headers: as("alpha") });
  assert.deepEqual(await tagged.json(), []);
  for (const [method, path] of [
    ["GET", "/servers/beta"],
    ["POST", "/servers/beta/start"],
    ["POST", "/servers/beta/stop"],
  ] as const) {
    const answer = await fetch(`${gateway.base}${path}`, { method, headers: as("alpha") });
    assert.equal(answer.status, 404, path);
    assert.deepEqual(await answer.json(), { error: "Not Found", message: "Server 'beta' not found" }, path);
  }
  assert.equal((await fetch(`${gateway.base}/servers/alpha`, { headers: as("alpha") })).status, 200);
  const all = await fetch(`${gateway.base}/servers`, { headers: as("full") });
  assert.deepEqual(
    ((await all.json()) as Array<{ id: string }>).map((server) => server.id),
    ["alpha", "beta", "gamma"],
  );
});

test("a resource URI several servers offer goes to one the key may use, never to a hidden one", async (t) => {
  const full = await connectClient(t, `${gateway.base}/mcp`, { headers: as("full") });
  assert.ok((await full.listResources()).resources.length > 0, "every server has run and is in the capability cache");
  const limited = await connectClient(t, `${gateway.base}/mcp`, { headers: as("team") });
  const alphaBefore = gateway.supervisor.get("alpha").request_count;
  const read = await limited.readResource({ uri: "relay://static/1" });
  assert.ok(read.contents.length > 0);
  assert.equal(gateway.supervisor.get("alpha").request_count, alphaBefore, "alpha (listed first) was not asked");
});

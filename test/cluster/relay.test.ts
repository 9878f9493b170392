import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { auth, initialize, KEYS, listTools, OTHER_SECRET, SECRET, startReplica, type TestContext } from "./replicas.js";
import { roundRobin } from "./roundRobin.js";
import { modernPost } from "../helpers/modern.js";
import { RELAY_FIXTURE } from "../http/support.js";
import { sample, scrape } from "../observability/support.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

async function sdkClient(t: TestContext, url: string, legacy = false): Promise<Client> {
  const client = new Client({ name: "cluster-test", version: "1.0.0" });
  const requestInit = { headers: auth(KEYS.a) };
  const transport = legacy
    ? new SSEClientTransport(new URL(url), {
        requestInit,
        eventSourceInit: {
          fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth(KEYS.a) } }),
        },
      })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  return client;
}

/** Two replicas, "owner" and "other", serving the relay fixture as `relay` with a backend per session. */
function perSessionReplicas(t: TestContext) {
  const servers = [
    {
      id: "relay",
      isolation: "session",
      runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] },
    },
  ];
  return Promise.all([
    startReplica(t, "owner", { config: { servers } }),
    startReplica(t, "other", { config: { servers } }),
  ]);
}

test("a session's requests alternating between two replicas all succeed, progress included; its owner killed, a per-session backend's session is 404 at once", async (t) => {
  // A per-session backend: the session cannot move, so its owner's death ends it.
  const [owner, other] = await perSessionReplicas(t);
  const lb = await roundRobin(t, [owner.port, other.port]);
  // The first request through the balancer, initialize, goes to the owner.
  const client = await sdkClient(t, `${lb.base}/mcp/relay`);
  const transport = client.transport as StreamableHTTPClientTransport;
  const sessionId = transport.sessionId!;
  for (let round = 0; round < 3; round += 1) {
    assert.equal((await client.listTools()).tools.length, 12);
    const progress: number[] = [];
    const result = await client.callTool({ name: "slow", arguments: { steps: 4, intervalMs: 20 } }, undefined, {
      onprogress: ({ progress: step }) => progress.push(step),
    });
    assert.equal(text(result), "slow done after 4 steps");
    assert.deepEqual(progress, [1, 2, 3, 4]);
    assert.equal(
      text(await client.callTool({ name: "echo", arguments: { text: `hi ${round}` } })),
      `echo: hi ${round}`,
    );
  }
  assert.equal(transport.sessionId, sessionId, "one session throughout");
  assert.ok(lb.hits[1]! >= 4, `the other replica took ${lb.hits[1]} requests`);

  // Another key presenting the session id at the non-owner: refused there, nothing relayed.
  assert.deepEqual(await listTools(other.base, KEYS.b, sessionId, "/mcp/relay"), {
    status: 404,
    code: -32001,
    tools: undefined,
  });

  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  const gone = await listToolsWithin(other.base, sessionId);
  assert.deepEqual(gone, { status: 404, code: -32001, tools: undefined });
  const response = await fetch(`${other.base}/mcp/relay`, {
    method: "DELETE",
    headers: { ...auth(KEYS.a), "mcp-session-id": sessionId },
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(response.status, 404);
  const counters = (await (await fetch(`${other.base}/cluster`, { headers: auth(KEYS.a) })).json()) as Record<
    string,
    any
  >;
  assert.equal(counters.node_id, "other");
  assert.ok(counters.forwarded_total >= 4 && counters.forward_seconds_total > 0, JSON.stringify(counters));
  assert.equal(counters.owner_gone_total, 2);
  assert.equal(counters.rejected_total, 1);
  // The same counters for Prometheus: every relay's time in the hop histogram.
  const { families } = await scrape(other.base, KEYS.a);
  const metric = (name: string) => sample(families, name, {});
  assert.equal(metric("mcpgw_cluster_forwarded_total"), counters.forwarded_total);
  const hop = families.get("mcpgw_cluster_forward_seconds")!.metrics[0] as unknown as { count: string; sum: string };
  assert.equal(Number(hop.count), counters.forwarded_total);
  assert.ok(Math.abs(Number(hop.sum) - counters.forward_seconds_total) < 1e-5);
  assert.equal(metric("mcpgw_cluster_owner_gone_total"), 2);
  assert.equal(metric("mcpgw_cluster_rejected_total"), 1);
  assert.equal(metric("mcpgw_cluster_adopted_total"), 0);
  // A new session through the surviving replica works at once.
  const fresh = await initialize(other.base, KEYS.a);
  assert.equal((await listTools(other.base, KEYS.a, fresh)).status, 200);
});

/** Never a hang: a request that does not answer within 5 s fails the test. */
function listToolsWithin(base: string, sessionId: string, route = "/mcp/relay") {
  return within(listTools(base, KEYS.a, sessionId, route));
}

function within<T>(answer: Promise<T>): Promise<T> {
  return Promise.race([
    answer,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no answer within 5 s for a dead owner's session")), 5000).unref(),
    ),
  ]);
}

test("legacy SSE: the stream on one replica, POST /messages through the other", async (t) => {
  const [first, second] = await Promise.all([startReplica(t, "sse-1"), startReplica(t, "sse-2")]);
  const lb = await roundRobin(t, [first.port, second.port]);
  const client = await sdkClient(t, `${lb.base}/sse/relay`, true);
  for (let round = 0; round < 3; round += 1)
    assert.equal(
      text(await client.callTool({ name: "echo", arguments: { text: `sse ${round}` } })),
      `echo: sse ${round}`,
    );
  assert.ok(lb.hits[1]! >= 2, `the second replica took ${lb.hits[1]} requests`);
});

test("a replica rotating to a new secret still relays sessions sealed with the previous one", async (t) => {
  const [owner, rotated] = await Promise.all([
    startReplica(t, "old-key"),
    startReplica(t, "new-key", { secret: OTHER_SECRET, previous: [SECRET] }),
  ]);
  const sessionId = await initialize(owner.base, KEYS.a);
  assert.deepEqual(await listTools(rotated.base, KEYS.a, sessionId), { status: 200, code: undefined, tools: 12 });
});

test("its owner killed, a session of shared backends is adopted under the same id; one with a per-session backend is 404", async (t) => {
  const servers = [
    { id: "relay", runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] } },
    {
      id: "own",
      isolation: "session",
      runtime: { type: "local-process", command: process.execPath, args: [RELAY_FIXTURE] },
    },
  ];
  const [owner, adopter] = await Promise.all([
    startReplica(t, "first-owner", { config: { servers } }),
    startReplica(t, "adopter", { config: { servers } }),
  ]);
  const portable = await sdkClient(t, `${owner.base}/mcp/relay`);
  const pinned = await sdkClient(t, `${owner.base}/mcp/own`);
  for (const client of [portable, pinned])
    assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "before" } })), "echo: before");
  const portableId = (portable.transport as StreamableHTTPClientTransport).sessionId!;
  const pinnedId = (pinned.transport as StreamableHTTPClientTransport).sessionId!;
  owner.child.process.kill("SIGKILL");
  await owner.child.exited;

  // Two requests at once: one adoption, the other waits for it.
  const both = await Promise.all(
    [11, 12].map((requestId) => within(listTools(adopter.base, KEYS.a, portableId, "/mcp/relay", requestId))),
  );
  assert.deepEqual(both, [
    { status: 200, code: undefined, tools: 12 },
    { status: 200, code: undefined, tools: 12 },
  ]);
  // The same session, continued through another replica: the SDK client skips initialize for a known id.
  const resumed = new Client({ name: "cluster-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${adopter.base}/mcp/relay`), {
    requestInit: { headers: auth(KEYS.a) },
    sessionId: portableId,
  });
  await resumed.connect(transport);
  t.after(() => resumed.close().catch(() => {}));
  const progress: number[] = [];
  const result = await resumed.callTool({ name: "slow", arguments: { steps: 3, intervalMs: 10 } }, undefined, {
    onprogress: ({ progress: step }) => progress.push(step),
  });
  assert.equal(text(result), "slow done after 3 steps");
  assert.deepEqual(progress, [1, 2, 3]);
  assert.equal(text(await resumed.callTool({ name: "echo", arguments: { text: "after" } })), "echo: after");
  assert.equal(transport.sessionId, portableId);

  assert.deepEqual(await listToolsWithin(adopter.base, pinnedId, "/mcp/own"), {
    status: 404,
    code: -32001,
    tools: undefined,
  });
  const report = (await (await fetch(`${adopter.base}/cluster`, { headers: auth(KEYS.a) })).json()) as Record<
    string,
    number
  >;
  assert.equal(report.adopted_total, 1, "adopted once, then served as its own");
  assert.equal(report.owner_gone_total, 1);
  const { families } = await scrape(adopter.base, KEYS.a);
  assert.equal(sample(families, "mcpgw_cluster_adopted_total", {}), 1);
  assert.equal(sample(families, "mcpgw_cluster_owner_gone_total", {}), 1, "the per-session backend's session: 404");
  assert.equal(sample(families, "mcpgw_cluster_forwarded_total", {}), 0);
  const stats = (await (await fetch(`${adopter.base}/stats`, { headers: auth(KEYS.a) })).json()) as any;
  assert.deepEqual([stats.cluster.adopted_total, stats.cluster.owner_gone_total], [1, 1]);
});

test("without Redis, a frozen owner (connections accepted, nothing answered) costs answer_timeout_ms, then 404: never a hang", async (t) => {
  const cluster = { answer_timeout_ms: 300 };
  const [owner, peer] = await Promise.all([
    startReplica(t, "stuck", { cluster }),
    startReplica(t, "waiting", { cluster }),
  ]);
  const sessionId = await initialize(owner.base, KEYS.a, "/mcp/relay");
  owner.child.process.kill("SIGSTOP");
  // The request's body went to the frozen owner: the session cannot be adopted with it, so 404.
  assert.deepEqual(await listToolsWithin(peer.base, sessionId), { status: 404, code: -32001, tools: undefined });
  owner.child.process.kill("SIGCONT");
});

test("a 2026-07-28 request carrying another replica's session id is served where it lands, never relayed (the id is stale to it)", async (t) => {
  const [owner, other] = await perSessionReplicas(t);
  const sessionId = await initialize(owner.base, KEYS.a, "/mcp/relay");
  const modernList = async () => {
    const { status, body } = await modernPost(
      `${other.base}/mcp/relay`,
      "tools/list",
      {},
      {
        headers: { ...auth(KEYS.a), "mcp-session-id": sessionId },
      },
    );
    return { status, tools: (body.result?.tools as unknown[] | undefined)?.length };
  };
  assert.deepEqual(await modernList(), { status: 200, tools: 12 });
  const { families } = await scrape(other.base, KEYS.a);
  assert.equal(sample(families, "mcpgw_cluster_forwarded_total", {}), 0, "not relayed to the owner");
  // Its owner gone, a session of a per-session backend would be 404: the stateless request is not one.
  owner.child.process.kill("SIGKILL");
  await owner.child.exited;
  assert.deepEqual(await modernList(), { status: 200, tools: 12 });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sample, scrape } from "../observability/support.js";
import { startNginx } from "./nginx.js";
import { auth, KEYS, listTools, startReplica, type Replica } from "./replicas.js";

const TAGS = ["r1", "r2", "r3"] as const;
const SESSIONS = 20;
const CALLS = 10;

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

async function startFleet(t: Parameters<typeof startReplica>[0]): Promise<{ replicas: Replica[]; base: string }> {
  const replicas = await Promise.all(
    TAGS.map((tag) => startReplica(t, `nginx-${tag}`, { cluster: { session_tag: tag } })),
  );
  const base = await startNginx(
    t,
    replicas.map((replica, index) => ({ port: replica.port, tag: TAGS[index]! })),
  );
  return { replicas, base };
}

/** A replica's cluster counters as Prometheus exposes them. */
async function clusterMetrics(replica: Replica) {
  const { families } = await scrape(replica.base, KEYS.a);
  const value = (name: string) => sample(families, name, {});
  return {
    forwarded: value("mcpgw_cluster_forwarded_total"),
    adopted: value("mcpgw_cluster_adopted_total"),
    ownerGone: value("mcpgw_cluster_owner_gone_total"),
  };
}

async function connect(url: string, sessionId?: string): Promise<Client> {
  const client = new Client({ name: "nginx-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: auth(KEYS.a) },
      ...(sessionId && { sessionId }),
    }),
  );
  return client;
}

test(`behind nginx routing by session tag, ${SESSIONS} sessions x ${CALLS} calls (and a legacy SSE session) all succeed, each on its owner (no hop)`, async (t) => {
  const { replicas, base } = await startFleet(t);
  const owners = await Promise.all(
    Array.from({ length: SESSIONS }, async (_, session) => {
      const client = await connect(`${base}/mcp/relay`);
      try {
        for (let call = 0; call < CALLS; call += 1) {
          const words = `s${session} c${call}`;
          assert.equal(text(await client.callTool({ name: "echo", arguments: { text: words } })), `echo: ${words}`);
        }
        return (client.transport as StreamableHTTPClientTransport).sessionId!.split(".")[0]!;
      } finally {
        await client.close();
      }
    }),
  );
  // nginx spread the new sessions over the three replicas (round-robin: no request names an owner yet).
  for (const tag of TAGS) assert.ok(owners.includes(tag), `a session of ${tag} among ${owners.join(" ")}`);

  for (const [index, replica] of replicas.entries()) {
    // Every request of a session reached its owner directly: nothing relayed, adopted or lost anywhere.
    assert.deepEqual(await clusterMetrics(replica), { forwarded: 0, adopted: 0, ownerGone: 0 }, TAGS[index]);
    // And the owner served all of its sessions' calls.
    const stats = (await (await fetch(`${replica.base}/stats`, { headers: auth(KEYS.a) })).json()) as any;
    const owned = owners.filter((tag) => tag === TAGS[index]).length;
    assert.equal(stats.servers.relay.tools.echo.request_count, owned * CALLS, TAGS[index]);
    assert.equal(stats.cluster.forwarded_total, 0);
  }

  // Legacy SSE: the stream on one replica, each POST /messages?sessionId=<tag>... routed to it by the tag.
  const legacy = new Client({ name: "nginx-test", version: "1.0.0" });
  await legacy.connect(
    new SSEClientTransport(new URL(`${base}/sse/relay`), {
      requestInit: { headers: auth(KEYS.a) },
      eventSourceInit: {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth(KEYS.a) } }),
      },
    }),
  );
  for (let call = 0; call < 3; call += 1)
    assert.equal(
      text(await legacy.callTool({ name: "echo", arguments: { text: `sse ${call}` } })),
      `echo: sse ${call}`,
    );
  await legacy.close();
  for (const replica of replicas) assert.equal((await clusterMetrics(replica)).forwarded, 0);
});

test("behind nginx, the owner killed -9: its session goes to the backup replica, which adopts it under the same id", async (t) => {
  const { replicas, base } = await startFleet(t);
  const owner = replicas[0]!;
  const sessionId = (await (async () => {
    const client = await connect(`${owner.base}/mcp/relay`);
    const id = (client.transport as StreamableHTTPClientTransport).sessionId!;
    await client.close();
    return id;
  })())!;
  assert.match(sessionId, /^r1\.v1\./);
  // The backup's own copy of the shared backend runs already, as in a fleet at work: what is timed is the takeover.
  const warm = await connect(`${replicas[1]!.base}/mcp/relay`);
  assert.equal(text(await warm.callTool({ name: "echo", arguments: { text: "warm" } })), "echo: warm");
  await warm.close();
  owner.child.process.kill("SIGKILL");
  await owner.child.exited;

  const started = performance.now();
  assert.deepEqual(await listTools(base, KEYS.a, sessionId, "/mcp/relay"), { status: 200, code: undefined, tools: 12 });
  assert.ok(performance.now() - started < 2000, `answered in ${Math.round(performance.now() - started)} ms`);
  const client = await connect(`${base}/mcp/relay`, sessionId);
  t.after(() => client.close().catch(() => {}));
  assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "after" } })), "echo: after");
  // r1's backup upstream is r2: it adopted the session, once, and serves it as its own since.
  assert.deepEqual(await clusterMetrics(replicas[1]!), { forwarded: 0, adopted: 1, ownerGone: 0 });
});

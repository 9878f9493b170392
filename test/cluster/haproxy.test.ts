import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startHaproxy } from "./haproxy.js";
import { auth, KEYS, listTools, startReplica, type Replica } from "./replicas.js";

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

async function forwarded(replicas: readonly Replica[]): Promise<number> {
  const counts = await Promise.all(
    replicas.map(async (replica) => {
      const report = (await (await fetch(`${replica.base}/cluster`, { headers: auth(KEYS.a) })).json()) as {
        forwarded_total: number;
      };
      return report.forwarded_total;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Five sessions through the balancer, each: tools/list, a call with progress, an echo. */
async function drive(base: string): Promise<string[]> {
  const ids: string[] = [];
  for (let session = 0; session < 5; session += 1) {
    const client = new Client({ name: "haproxy-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/relay`), {
      requestInit: { headers: auth(KEYS.a) },
    });
    await client.connect(transport);
    try {
      assert.equal((await client.listTools()).tools.length, 12);
      const progress: number[] = [];
      const result = await client.callTool({ name: "slow", arguments: { steps: 3, intervalMs: 10 } }, undefined, {
        onprogress: ({ progress: step }) => progress.push(step),
      });
      assert.equal(text(result), "slow done after 3 steps");
      assert.deepEqual(progress, [1, 2, 3]);
      assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "x" } })), "echo: x");
      ids.push(transport.sessionId!);
    } finally {
      await client.close();
    }
  }
  return ids;
}

test("behind HAProxy round-robin (no stickiness) every session works through the relay; a killed owner's session goes on", async (t) => {
  const replicas = await Promise.all([startReplica(t, "hp-1"), startReplica(t, "hp-2")]);
  const base = await startHaproxy(
    t,
    replicas.map((replica) => replica.port),
  );
  await drive(base);
  assert.ok((await forwarded(replicas)) > 0, "requests reached the replica that did not hold their session");

  // A session owned by hp-1, then hp-1 killed: through the balancer, the survivor adopts it.
  const client = new Client({ name: "haproxy-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${replicas[0]!.base}/mcp/relay`), {
    requestInit: { headers: auth(KEYS.a) },
  });
  await client.connect(transport);
  const sessionId = transport.sessionId!;
  await client.close();
  replicas[0]!.child.process.kill("SIGKILL");
  await replicas[0]!.child.exited;
  assert.equal((await listTools(base, KEYS.a, sessionId, "/mcp/relay")).status, 200);
});

test("behind HAProxy learning owners from the response (stick store-response), no request needs the relay", async (t) => {
  const replicas = await Promise.all([startReplica(t, "st-1"), startReplica(t, "st-2")]);
  const base = await startHaproxy(
    t,
    replicas.map((replica) => replica.port),
    { stick: true },
  );
  await drive(base);
  assert.equal(await forwarded(replicas), 0);
});
